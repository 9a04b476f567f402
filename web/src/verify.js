// Checking a report, a certificate bundle and disclosed readings against the chain: the
// JavaScript twin of sdk/fabtrust/certificates/_verify.py. The checks are the names of the shared
// sdk/fabtrust/checks.json, in that order; the verdict has the shape of
// `fabtrust cert verify --json` (a test holds the two equal for the same inputs).

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import CHECKS_FILE from "../../sdk/fabtrust/checks.json";
import { castCommands } from "./cast.js";
import {
  ContractError,
  ZERO_BYTES32,
  dataAttestationTypedData,
  recoverSigner,
  testSpecId,
} from "./chain.js";

export const CHECKS = CHECKS_FILE.checks;
export const CHECK_NAMES = CHECKS.map((c) => c.name);
export const CHECK_LABELS = Object.fromEntries(CHECKS.map((c) => [c.name, c.label]));
export const BATCH_LEAF_ENCODING = ["uint256", "bytes32", "bytes32", "bytes32", "uint8", "uint64"];
export const READINGS_LEAF_ENCODING = ["bytes32", "uint64", "string", "string", "string"];

const pad = (n) => String(n).padStart(2, "0");

/** Unix seconds as "2025-06-30 12:00:00 UTC" (as _date in _verify.py). */
export function fmtDate(seconds) {
  const d = new Date(Number(seconds) * 1000);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
  );
}

/** Unix seconds as JSON time, as pydantic writes an aware UTC datetime. */
export function isoTime(seconds) {
  return fmtDate(seconds).replace(" UTC", "Z").replace(" ", "T");
}

/** A string as Python's repr() writes it (for the one detail that quotes the bundle's text). */
export function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return quote + out + quote;
}

const hexId = (deviceId) => "0x" + BigInt(deviceId).toString(16);

function notFound(error, name) {
  if (error instanceof ContractError && error.errorName === name) return true;
  throw error;
}

class Run {
  constructor(reader, block, now, chainId, registry) {
    Object.assign(this, { reader, block, now, chainId, registry });
    this.checks = {};
  }
  ok(name, detail) {
    this.checks[name] = { name, ok: true, detail, skipped: false };
  }
  fail(name, detail) {
    this.checks[name] = { name, ok: false, detail: detail.split(/\s+/).filter(Boolean).join(" "), skipped: false };
  }
  skip(name, detail) {
    this.checks[name] = { name, ok: true, detail, skipped: true };
  }
}

/** A check as `fabtrust cert verify --json` writes it (verdict_document in
 * sdk/fabtrust/cli/cert.py): a skipped check is never "ok". */
function checkJson(check) {
  const status = check.skipped ? "skipped" : check.ok ? "ok" : "failed";
  return { name: check.name, label: CHECK_LABELS[check.name] || check.name, status, detail: check.detail };
}

/**
 * Verify against the chain. ``bundle`` is a parsed bundle (bundle.js) or null; ``report`` is
 * {digest, name} or null; ``proofs`` the disclosed reading proofs of a readings file or null;
 * ``certId`` a certificate id or null. Throws ChainUnreachable when the node fails.
 */
export async function verify(reader, { bundle = null, report = null, proofs = null, certId = null }) {
  if (bundle === null && certId === null && report === null) {
    throw new Error("Nothing to verify: drop a report, a bundle or open a certificate link.");
  }
  const head = await reader.head();
  const chainId = await reader.chainId();
  const registry = reader.address("CertificateRegistry");
  const run = new Run(reader, head.number, head.timestamp, chainId, registry);
  const wanted = certId !== null ? certId : bundle ? bundle.cert_id : null;
  const digest = report ? report.digest : null;
  const cert = await find(run, bundle, wanted, digest);
  run.anchoringTx = await anchoringTx(run, bundle, cert);
  bundleMatches(run, bundle, cert);
  if (cert === null) {
    for (const name of CHECK_NAMES) if (!(name in run.checks)) run.skip(name, "no certificate to check against");
  } else {
    reportDigest(run, cert, digest, report ? report.name : null);
    await issuer(run, cert);
    await device(run, cert);
    result(run, cert);
    validity(run, cert);
    await revocation(run, cert);
    supersession(run, cert);
    await batchProof(run, cert, bundle);
    dataRoot(run, cert, bundle, proofs);
    await deviceSignature(run, cert, bundle);
  }
  const checks = CHECK_NAMES.map((name) => checkJson(run.checks[name]));
  const shown = cert !== null ? cert.cert_id : wanted;
  let casts = [];
  if (shown !== null) {
    const unpresented = bundle !== null && bundle.batch !== null && !run.stored;
    casts = castCommands({
      registry,
      rpc_url: reader.rpcUrl,
      cert_id: shown,
      lab: cert !== null ? cert.lab : null,
      device_id: cert !== null ? cert.device_id : null,
      report_sha256: cert !== null ? digest || cert.report_sha256 : null,
      data_root: cert !== null ? cert.data_root : null,
      test_spec: cert !== null ? cert.test_spec : null,
      valid_until: cert !== null ? cert.valid_until : null,
      batch_root: unpresented ? bundle.batch.root : null,
      batch_proof: unpresented ? bundle.batch.proof : null,
    });
  }
  const verdict = {
    verified: checks.every((c) => c.status !== "failed"),
    chain_id: chainId,
    registry,
    block_number: head.number,
    block_time: isoTime(head.timestamp),
    cert_id: shown,
    certificate: cert === null ? null : certificateJson(cert),
    checks,
    cast_call: casts.length ? casts.join("\n") : null,
    cast_calls: casts,
    failed_checks: checks.filter((c) => c.status === "failed").map((c) => c.name),
    skipped_checks: checks.filter((c) => c.status === "skipped").map((c) => c.name),
    test_spec_text: specText(bundle, cert),
  };
  if (cert !== null) verdict.device = await reader.deviceWords(cert.device_id, run.block);
  return verdict;
}

/** The bundle's specification text, shown only when it is the text of the spec on chain. */
function specText(bundle, cert) {
  const text = bundle !== null ? bundle.test_spec_text : null;
  return text && cert !== null && testSpecId(text) === cert.test_spec ? text : null;
}

/** The certificate as the CLI writes it: times as JSON times, the uint256 device id as a
 * decimal string, the result in words too. */
function certificateJson(cert) {
  return {
    ...cert,
    device_id: String(cert.device_id),
    issued_at: isoTime(cert.issued_at),
    valid_until: isoTime(cert.valid_until),
    result_label: { 1: "Pass", 2: "Fail" }[cert.result] || String(cert.result),
  };
}

// ---------------------------------------------------------------------------------------------
// the certificate

async function find(run, bundle, wanted, digest) {
  const name = "certificate_on_chain";
  const reader = run.reader;
  if (wanted !== null) {
    try {
      const cert = await reader.certificate(wanted, run.block);
      run.stored = true;
      run.ok(name, `certificate ${wanted} stored in block ${cert.block_number} (${cert.tx_hash})`);
      return cert;
    } catch (error) {
      notFound(error, "CertificateNotFound");
    }
    if (bundle === null || bundle.batch === null) {
      run.fail(name, `no certificate ${wanted} in the registry at ${run.registry}`);
      return null;
    }
    const root = bundle.batch.root;
    let cert;
    try {
      cert = await reader.unpresented(bundle.lab, root, bundle.batch.leaf, run.block);
    } catch (error) {
      notFound(error, "BatchNotFound");
      run.fail(name, `certificate ${wanted} is not stored and batch ${root} is not anchored`);
      return null;
    }
    if (cert.cert_id !== wanted) {
      run.fail(
        name,
        `certificate ${wanted} is not stored; the bundle's batch leaf is certificate ${cert.cert_id}`,
      );
      return cert;
    }
    run.ok(
      name,
      `certificate ${wanted} is a leaf of batch ${root}, anchored in block ${cert.block_number} (not presented yet)`,
    );
    return cert;
  }
  const events = await reader.events("CertificateIssued", { topics: [null, null, digest], toBlock: run.block });
  const found = await reader.certificatesFrom(events, run.block);
  if (!found.length) {
    run.fail(name, `no certificate on chain for the report digest ${digest}`);
    return null;
  }
  run.stored = true;
  const valid = found.filter((c) => currentlyValid(c, run.now));
  const cert = (valid.length ? valid : found)[(valid.length ? valid : found).length - 1];
  const which = valid.length ? "latest valid" : "latest";
  run.ok(
    name,
    `found by the report's digest: ${found.length} certificate(s), checking the ${which} one, ${cert.cert_id} (block ${cert.block_number})`,
  );
  return cert;
}

function currentlyValid(cert, now) {
  return !cert.revoked && cert.superseded_by === null && now < cert.valid_until;
}

function bundleMatches(run, bundle, cert) {
  const name = "bundle_matches_chain";
  if (bundle === null) {
    run.skip(name, "no bundle given");
    return;
  }
  const diffs = [];
  if (bundle.chain_id !== run.chainId) diffs.push(`chain_id ${bundle.chain_id} (connected to ${run.chainId})`);
  if (bundle.registry !== run.registry) {
    diffs.push(`registry ${bundle.registry} (this deployment's is ${run.registry})`);
  }
  if (cert !== null) {
    const pairs = [
      ["cert_id", bundle.cert_id, cert.cert_id],
      ["device_id", bundle.device_id, cert.device_id],
      ["lab", bundle.lab, cert.lab],
      ["report_sha256", bundle.report_sha256, cert.report_sha256],
      ["data_root", bundle.data_root, cert.data_root],
      ["test_spec", bundle.test_spec, cert.test_spec],
      ["result", bundle.result, cert.result],
      ["valid_until", bundle.valid_until, cert.valid_until],
    ];
    const sameTx = bundle.tx_hash === cert.tx_hash && bundle.block_number === cert.block_number;
    const pending = bundle.tx_hash === null; // written before its transaction was mined
    if (!pending && !sameTx && !run.anchoringTx) {
      pairs.push(["tx_hash", bundle.tx_hash, cert.tx_hash]);
      pairs.push(["block_number", bundle.block_number, cert.block_number]);
    }
    if (bundle.batch !== null && cert.batch_root !== null) pairs.push(["batch.root", bundle.batch.root, cert.batch_root]);
    if (bundle.test_spec_text !== null) {
      // the text shown to people must be the spec's
      const ofText = bundle.test_spec_text ? testSpecId(bundle.test_spec_text) : null;
      if (ofText !== cert.test_spec) {
        diffs.push(`test_spec_text ${pyRepr(bundle.test_spec_text)} hashes to ${ofText} (chain: ${cert.test_spec})`);
      }
    }
    for (const [field, mine, theirs] of pairs) if (mine !== theirs) diffs.push(`${field} ${mine} (chain: ${theirs})`);
  }
  if (diffs.length) run.fail(name, "the bundle differs from the chain: " + diffs.join("; "));
  else run.ok(name, `chain id ${run.chainId} and registry ${run.registry} as in the bundle`);
}

/** Whether the bundle names the anchoring transaction of the batch its stored certificate was
 * presented from (a bundle made before the presentation). Awaited before bundleMatches. */
async function anchoringTx(run, bundle, cert) {
  if (bundle === null || cert === null || bundle.batch === null || cert.batch_root !== bundle.batch.root) return false;
  const anchored = await run.reader.events("BatchAnchored", { topics: [bundle.batch.root], toBlock: run.block });
  return anchored.some((e) => e.txHash === bundle.tx_hash && e.blockNumber === bundle.block_number);
}

function reportDigest(run, cert, digest, fileName) {
  const name = "report_digest";
  if (digest === null) {
    run.skip(name, "no report given to hash");
    return;
  }
  const label = fileName || "the report";
  if (digest === cert.report_sha256) run.ok(name, `SHA-256 of ${label} is ${digest}, as on chain`);
  else run.fail(name, `SHA-256 of ${label} is ${digest}, the certificate commits to ${cert.report_sha256}`);
}

async function issuer(run, cert) {
  const name = "issuer_accredited";
  const acc = await run.reader.accreditation(cert.lab, run.block);
  const who = acc.name ? `${acc.name} (${cert.lab})` : cert.lab;
  const until = acc.validUntil ? fmtDate(acc.validUntil) : "?";
  if (acc.revokedAt !== null && cert.issued_at <= acc.revokedAt) {
    // The chain invalidates everything a lab issued up to a revocation, for ever.
    run.fail(
      name,
      `${who}: the accreditation was revoked on ${fmtDate(acc.revokedAt)}, at or after this certificate was issued`,
    );
  } else if (acc.accredited) run.ok(name, `${who} is accredited until ${until}`);
  else if (acc.labId === 0) run.fail(name, `${cert.lab} was never accredited`);
  else if (!acc.active) run.fail(name, `${who}: the accreditation was revoked`);
  // Expiry stops a lab from issuing; what it issued before stays valid on chain.
  else run.ok(name, `${who}: accredited when it issued this; the accreditation expired on ${until}`);
}

async function device(run, cert) {
  const name = "device_registered";
  let info;
  try {
    info = await run.reader.device(cert.device_id, run.block);
  } catch (error) {
    notFound(error, "DeviceNotFound");
    run.fail(name, `device ${hexId(cert.device_id)} is not registered`);
    return;
  }
  run.device = info;
  const detail = `device ${hexId(cert.device_id)} registered by ${info.manufacturer}, owner ${info.owner}, status ${info.status}`;
  if (info.status === "Active") run.ok(name, detail);
  // The chain counts no certificate of a device that is not Active.
  else run.fail(name, `${detail}: its certificates are not valid while it is not Active`);
}

function result(run, cert) {
  if (cert.result === 1) run.ok("result_pass", `result Pass for test specification ${cert.test_spec}`);
  else run.fail("result_pass", `result Fail for test specification ${cert.test_spec}`);
}

function validity(run, cert) {
  const name = "validity_window";
  const issued = fmtDate(cert.issued_at);
  if (run.now < cert.valid_until) {
    const days = Math.floor((cert.valid_until - run.now) / 86_400);
    run.ok(name, `issued ${issued}, valid until ${fmtDate(cert.valid_until)} (${days} days left)`);
  } else {
    run.fail(name, `issued ${issued}, expired on ${fmtDate(cert.valid_until)}`);
  }
}

async function revocation(run, cert) {
  const name = "not_revoked";
  if (cert.batch_root !== null) {
    const [revoked, reason] = await run.reader.batchRevocation(cert.lab, cert.batch_root, run.block);
    if (revoked) {
      run.fail(name, `its batch ${cert.batch_root} was revoked: ${reason || "(no reason given)"}`);
      return;
    }
  }
  if (cert.revoked) {
    const by = cert.revoked_by ? ` by ${cert.revoked_by}` : "";
    run.fail(name, `revoked${by}: ${cert.revocation_reason || "(no reason given)"}`);
    return;
  }
  run.ok(name, "not revoked");
}

function supersession(run, cert) {
  const name = "not_superseded";
  if (cert.superseded_by !== null) run.fail(name, `superseded by certificate ${cert.superseded_by}`);
  else if (cert.supersedes !== null) run.ok(name, `not superseded (it replaces ${cert.supersedes})`);
  else run.ok(name, "not superseded");
}

// ---------------------------------------------------------------------------------------------
// proofs

function leafValues(leaf) {
  return [leaf.device_id, leaf.report_sha256, leaf.data_root, leaf.test_spec, leaf.result, leaf.valid_until];
}

function proofHolds(root, encoding, values, proof) {
  try {
    return StandardMerkleTree.verify(root, encoding, values, proof);
  } catch {
    return false;
  }
}

async function batchProof(run, cert, bundle) {
  const name = "batch_proof";
  if (bundle === null || bundle.batch === null) {
    if (cert.batch_root !== null) {
      run.skip(name, `presented from batch ${cert.batch_root}: its proof was checked on chain then`);
    } else {
      run.skip(name, "not a batch certificate");
    }
    return;
  }
  const batch = bundle.batch;
  const problems = [];
  if (!proofHolds(batch.root, BATCH_LEAF_ENCODING, leafValues(batch.leaf), batch.proof)) {
    problems.push(`the proof does not lead from the leaf to the root ${batch.root}`);
  }
  const leaf = batch.leaf;
  for (const [field, mine, theirs] of [
    ["device_id", leaf.device_id, cert.device_id],
    ["report_sha256", leaf.report_sha256, cert.report_sha256],
    ["data_root", leaf.data_root, cert.data_root],
    ["test_spec", leaf.test_spec, cert.test_spec],
    ["result", leaf.result, cert.result],
    ["valid_until", leaf.valid_until, cert.valid_until],
  ]) {
    if (mine !== theirs) problems.push(`the leaf's ${field} ${mine} is not the certificate's ${theirs}`);
  }
  if (cert.batch_root === null) problems.push("the certificate was not issued from a batch");
  else if (cert.batch_root !== batch.root) {
    problems.push(`the certificate comes from batch ${cert.batch_root}, not ${batch.root}`);
  }
  try {
    const anchored = await run.reader.batch(cert.lab, batch.root, run.block);
    if (anchored.lab !== cert.lab) problems.push(`the batch was anchored by ${anchored.lab}, not by ${cert.lab}`);
  } catch (error) {
    notFound(error, "BatchNotFound");
    problems.push(`the root ${batch.root} is not anchored`);
  }
  if (problems.length) run.fail(name, problems.join("; "));
  else {
    run.ok(name, `the leaf is proven under root ${batch.root} (${batch.proof.length} proof nodes), anchored by ${cert.lab}`);
  }
}

function readingHolds(proof, root) {
  if (proof.root !== root) return false;
  const r = proof.reading;
  return proofHolds(root, READINGS_LEAF_ENCODING, [proof.salt, r.timestamp, r.channel, r.value, r.unit], proof.proof);
}

function dataRoot(run, cert, bundle, proofs) {
  const name = "data_root";
  const disclosed = bundle !== null ? [...bundle.readings] : [];
  if (proofs === null && !disclosed.length) {
    run.skip(name, "no readings given");
    return;
  }
  if (cert.data_root === ZERO_BYTES32) {
    run.fail(name, "the certificate commits to no readings (its data root is zero)");
    return;
  }
  if (proofs !== null) disclosed.push(...proofs);
  const problems = [];
  const facts = [];
  if (disclosed.length) {
    const bad = disclosed.filter((p) => !readingHolds(p, cert.data_root)).map((p) => p.index);
    if (bad.length) {
      const shown = bad.slice(0, 5).join(", ") + (bad.length > 5 ? "…" : "");
      problems.push(`disclosed reading(s) ${shown} are not under the data root`);
    } else {
      facts.push(`${disclosed.length} disclosed reading(s) are proven under the data root`);
    }
  }
  if (problems.length) run.fail(name, problems.join("; "));
  else run.ok(name, facts.join("; ") + ` (${cert.data_root})`);
}

async function deviceSignature(run, cert, bundle) {
  const name = "device_signature";
  const signature = bundle !== null ? bundle.device_signature : null;
  if (signature === null) {
    const note = cert.device_attested
      ? " (the chain records that the device attested the data root at issuance)"
      : "";
    run.skip(name, "no device signature in the bundle" + note);
    return;
  }
  const typed = dataAttestationTypedData({
    chainId: run.chainId,
    registry: run.registry,
    deviceId: cert.device_id,
    dataRoot: cert.data_root,
  });
  let info;
  try {
    info = await run.reader.device(cert.device_id, run.block);
  } catch (error) {
    notFound(error, "DeviceNotFound");
    run.fail(name, `device ${hexId(cert.device_id)} is not registered: no key to check against`);
    return;
  }
  if (await run.reader.signatureValid(info.deviceKey, typed, signature, run.block)) {
    run.ok(name, `the device key ${info.deviceKey} signed the data root`);
    return;
  }
  let earlier = null;
  if (cert.block_number < run.block) {
    try {
      earlier = (await run.reader.device(cert.device_id, cert.block_number)).deviceKey;
    } catch {
      earlier = null;
    }
  }
  if (
    earlier !== null &&
    earlier !== info.deviceKey &&
    (await run.reader.signatureValid(earlier, typed, signature, cert.block_number))
  ) {
    run.ok(name, `signed by ${earlier}, the device key at issuance (rotated since to ${info.deviceKey})`);
    return;
  }
  const recovered = await recoverSigner(typed, signature);
  const by = recovered ? ` (it was signed by ${recovered})` : " (malformed signature)";
  run.fail(name, `not a signature of the device key ${info.deviceKey}${by}`);
}
