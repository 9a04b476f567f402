// The buyer's verification page: files in, verdict out. Nothing leaves the browser except the
// chain reads sent to the RPC URL shown on the page.

import { ChainUnreachable, Reader, eventSignature, parseDeployment } from "./chain.js";
import {
  hashStats,
  isBundleJson,
  looksLikeJson,
  parseBundle,
  parseReadingProofs,
  sha256File,
} from "./inputs.js";
import { CHECK_LABELS, CHECK_NAMES, verify } from "./verify.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = { report: null, bundle: null, readings: null, deployment: null, runs: 0 };

/** JSON text with every BigInt as a decimal string, as the CLI's --json writes integers beyond
 * 2^53 and uint256 quantities (the verdict itself already carries device ids as strings). */
export function toJson(value, indent = 2) {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), indent);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

function say(sentence, kind = "error") {
  const box = $("message");
  box.textContent = sentence;
  box.className = kind;
  box.hidden = !sentence;
}

function fileLabel(file) {
  return `${file.name} (${file.size.toLocaleString("en")} bytes)`;
}

function showInputs() {
  $("report-name").textContent = state.report ? fileLabel(state.report) : "none";
  $("bundle-name").textContent = state.bundle ? state.bundle.name : "none";
  $("readings-name").textContent = state.readings ? state.readings.name : "none";
  $("deployment-name").textContent = state.deployment
    ? `chain ${state.deployment.chainId}, registry ${state.deployment.addresses.CertificateRegistry} (${state.deployment.source})`
    : "none";
}

// ---- inputs ----------------------------------------------------------------------------------

async function isReadingsCsv(file) {
  const head = new TextDecoder().decode(await file.slice(0, 64).arrayBuffer()).trimStart();
  return /\.csv$/i.test(file.name) || /^timestamp\s*,\s*channel/i.test(head);
}

async function addFile(file) {
  if (await isReadingsCsv(file)) {
    state.readings = { name: file.name, csv: true };
  } else if (file.name.endsWith(".json") || (await looksLikeJson(file))) {
    const text = await file.text();
    if (isBundleJson(text)) state.bundle = { name: file.name, text };
    else if (/"contracts"/.test(text) && /"chain_id"/.test(text)) setDeployment(text, file.name);
    else if (/"proof"/.test(text) && /"reading"/.test(text)) state.readings = { name: file.name, text };
    else state.report = file;
  } else {
    state.report = file;
  }
}

function setDeployment(text, source) {
  state.deployment = { ...parseDeployment(text, source), source };
}

function deploymentFromUrl() {
  const chain = params.get("chain");
  const registry = params.get("registry");
  const devices = params.get("devices");
  if (chain && registry && devices) {
    const text = JSON.stringify({
      chain_id: Number(chain),
      contracts: {
        CertificateRegistry: { address: registry, block_number: Number(params.get("from") || 0) },
        DeviceRegistry: { address: devices, block_number: Number(params.get("from") || 0) },
      },
    });
    setDeployment(text, "the link");
  }
}

async function loadDeploymentUrl(url) {
  let text;
  try {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = await response.text();
  } catch (error) {
    throw new Error(
      `Could not load the deployment file ${url} (${error.message}): pick the deployments/<chainId>.json file below.`,
    );
  }
  setDeployment(text, url);
}

// ---- verification ---------------------------------------------------------------------------

async function runVerify() {
  const run = ++state.runs;
  const out = $("result");
  out.dataset.state = "running";
  out.dataset.run = String(run);
  say("");
  $("verdict").hidden = true;
  try {
    const verdict = await check();
    render(verdict);
    out.dataset.state = "done";
  } catch (error) {
    const sentence = error instanceof ChainUnreachable ? rpcSentence(error) : error.message;
    say(sentence.endsWith(".") ? sentence : sentence + ".");
    out.dataset.state = "error";
  }
}

function rpcSentence(error) {
  return `The chain could not be read through ${$("rpc").value}: ${error.message.replace(/^the RPC /, "it ")}`;
}

async function check() {
  if (!state.deployment) {
    throw new Error("Pick the deployment file (deployments/<chainId>.json) that says where the contracts are.");
  }
  const certId = params.get("cert");
  if (!state.report && !state.bundle && !certId) {
    throw new Error("Drop the report you received (and its certificate bundle, if you have one).");
  }
  let report = null;
  if (state.report) {
    if (state.report.size === 0) throw new Error(`${state.report.name} is empty (0 bytes): drop the report file you received.`);
    $("progress").hidden = false;
    const digest = await sha256File(state.report, (done, total) => {
      $("progress").value = total ? done / total : 1;
    });
    $("progress").hidden = true;
    report = { digest, name: state.report.name };
    $("digest").textContent = digest;
  }
  const bundle = state.bundle ? parseBundle(state.bundle.text, state.bundle.name) : null;
  if (state.readings && state.readings.csv) {
    throw new Error(
      `${state.readings.name} is a readings CSV: the page checks disclosed reading proofs (JSON); the whole CSV needs the lab's salt seed, with fabtrust cert verify --data ${state.readings.name} --seed …`,
    );
  }
  const proofs = state.readings ? parseReadingProofs(state.readings.text, state.readings.name) : null;
  const typed = $("rpc").value.trim();
  const rpcUrl = /^[a-z]+:\/\//i.test(typed) ? typed : new URL(typed, location.href).href;
  const reader = new Reader({ rpcUrl, deployment: state.deployment });
  const chainId = await reader.chainId().catch((error) => {
    throw new ChainUnreachable(`the RPC at ${rpcUrl} did not answer: ${error.message}`);
  });
  if (chainId !== state.deployment.chainId) {
    throw new Error(
      `The RPC at ${rpcUrl} is chain ${chainId}, but the deployment file is for chain ${state.deployment.chainId}: give the RPC URL of chain ${state.deployment.chainId}.`,
    );
  }
  return verify(reader, { bundle, report, proofs, certId: state.report || state.bundle ? null : certId });
}

// ---- rendering ------------------------------------------------------------------------------

function render(verdict) {
  window.fabtrustVerdict = verdict;
  $("verdict-json").textContent = toJson(verdict);
  const box = $("verdict");
  box.hidden = false;
  box.className = verdict.verified ? "verified" : "failed";
  const failed = verdict.checks.filter((c) => c.status === "failed");
  const unknown = !verdict.certificate && !state.bundle && state.report;
  $("headline").textContent = verdict.verified
    ? "Verified: this report is certified on chain and every check holds."
    : unknown
      ? `Not verified: no certificate on this chain commits to ${state.report.name}; it is not a certified report, or it was changed.`
      : `Not verified: ${failed.map((c) => c.label).join(", ")} failed.`;
  const list = $("checks");
  list.replaceChildren();
  for (const c of verdict.checks) {
    // a skipped check did not run: shown as skipped, never as passed
    const mark = { ok: "✓", failed: "✗", skipped: "– skipped" }[c.status];
    const kind = { ok: "ok", failed: "fail", skipped: "skipped" }[c.status];
    list.append(
      el(
        "tr",
        { class: kind, "data-check": c.name, "data-status": c.status },
        el("td", { class: "mark" }, mark),
        el("td", {}, el("b", {}, c.label), el("br"), el("code", {}, c.name)),
        el("td", { class: "detail" }, c.detail),
      ),
    );
  }
  const facts = $("facts");
  facts.replaceChildren();
  const cert = verdict.certificate;
  const row = (k, v) => facts.append(el("tr", {}, el("th", {}, k), el("td", {}, v)));
  row("chain", `chain id ${verdict.chain_id}, registry ${verdict.registry}`);
  row("read at", `block ${verdict.block_number} (${verdict.block_time})`);
  if (cert) {
    row("certificate", cert.cert_id);
    const words = verdict.device;
    row(
      "device",
      words
        ? `serial ${words.serial}, model ${words.model}, ${words.status} (id ${cert.device_id})`
        : `${cert.device_id}`,
    );
    row("lab", `${cert.lab_name || "(unnamed)"} ${cert.lab}`);
    row("result", cert.result_label);
    row(
      "test specification",
      verdict.test_spec_text ? `${verdict.test_spec_text} (${cert.test_spec})` : cert.test_spec,
    );
    row("issued / valid until", `${cert.issued_at} / ${cert.valid_until}`);
    row("revoked", cert.revoked ? `yes: ${cert.revocation_reason || "(no reason given)"}` : "no");
    row("superseded by", cert.superseded_by || "none");
    row("stored in", `block ${cert.block_number}, transaction ${cert.tx_hash}`);
  }
  const skipped = verdict.checks.filter((c) => c.status === "skipped");
  if (skipped.length) {
    row("not checked", skipped.map((c) => c.label).join(", ") + " (nothing to check them against)");
  }
  const cast = $("cast");
  const lines = [];
  const rpc = $("rpc").value.trim();
  if (state.report) {
    lines.push(`sha256sum ${state.report.name}`);
    lines.push(
      `cast logs --rpc-url ${rpc} --from-block ${state.deployment.fromBlock} --address ${verdict.registry} "${eventSignature("CertificateIssued")}" "" "" ${$("digest").textContent}`,
    );
  }
  // the verdict's own cast commands (built by castCommands, the port of the CLI's builder):
  // each prints true when the certificate checks out
  lines.push(...verdict.cast_calls);
  cast.textContent = lines.join("\n");
}

// ---- start ----------------------------------------------------------------------------------

async function start() {
  $("rpc").value = params.get("rpc") || "http://127.0.0.1:8545";
  $("checks-known").textContent = CHECK_NAMES.map((n) => CHECK_LABELS[n]).join(" · ");
  const onFiles = async (files, andVerify) => {
    try {
      for (const file of files) await addFile(file);
    } catch (error) {
      say(error.message);
    }
    showInputs();
    if (andVerify) await runVerify();
  };
  for (const id of ["report-input", "bundle-input", "readings-input", "any-input"]) {
    $(id).addEventListener("change", (e) => {
      const files = [...e.target.files];
      if (id === "report-input") {
        state.report = files[0] || null;
        showInputs();
      } else if (id === "bundle-input" && files[0]) {
        files[0].text().then((text) => {
          state.bundle = { name: files[0].name, text };
          showInputs();
        });
      } else if (id === "readings-input" && files[0]) {
        isReadingsCsv(files[0]).then(async (csv) => {
          state.readings = csv ? { name: files[0].name, csv } : { name: files[0].name, text: await files[0].text() };
          showInputs();
        });
      } else onFiles(files, false);
    });
  }
  $("deployment-input").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    try {
      setDeployment(await file.text(), file.name);
      say("");
    } catch (error) {
      say(error.message);
    }
    showInputs();
  });
  $("clear").addEventListener("click", () => {
    Object.assign(state, { report: null, bundle: null, readings: null });
    for (const id of ["report-input", "bundle-input", "readings-input", "any-input"]) $(id).value = "";
    $("verdict").hidden = true;
    $("digest").textContent = "";
    say("");
    showInputs();
  });
  $("verify").addEventListener("click", runVerify);
  const zone = $("drop");
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    onFiles([...e.dataTransfer.files], true);
  });
  window.fabtrustHashStats = hashStats;
  try {
    deploymentFromUrl();
    if (!state.deployment && params.get("deployment")) await loadDeploymentUrl(params.get("deployment"));
  } catch (error) {
    say(error.message);
  }
  showInputs();
  document.body.dataset.ready = "1";
  if (params.get("cert") && state.deployment) await runVerify();
}

window.addEventListener("error", (e) => say(`The page hit an error: ${e.message}.`));
window.addEventListener("unhandledrejection", (e) => say(`The page hit an error: ${e.reason && e.reason.message}.`));
start();

