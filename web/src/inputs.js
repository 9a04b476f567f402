// The files a buyer drops on the page: the report (hashed in slices, never read whole), the
// certificate bundle and disclosed reading proofs (parsed with one clear sentence per problem,
// as sdk/fabtrust/certificates/bundle.py and evidence/readings.py would refuse them).

import { sha256 } from "@noble/hashes/sha2";
import { getAddress } from "viem";

/** Bytes read per slice when hashing a report: 8 MiB. */
export const SLICE_BYTES = 8 * 1024 * 1024;

/** Counters of the last hash, for the page's own test (a 1 GB report is read slice by slice). */
export const hashStats = { slices: 0, largestSlice: 0, bytes: 0 };

const hexOf = (bytes) => "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** SHA-256 of a File/Blob, streamed: one slice in memory at a time. */
export async function sha256File(file, onProgress = () => {}) {
  const hash = sha256.create();
  hashStats.slices = 0;
  hashStats.largestSlice = 0;
  hashStats.bytes = 0;
  for (let offset = 0; offset < file.size; offset += SLICE_BYTES) {
    const slice = new Uint8Array(await file.slice(offset, offset + SLICE_BYTES).arrayBuffer());
    hash.update(slice);
    hashStats.slices += 1;
    hashStats.largestSlice = Math.max(hashStats.largestSlice, slice.length);
    hashStats.bytes += slice.length;
    onProgress(Math.min(offset + SLICE_BYTES, file.size), file.size);
  }
  return hexOf(hash.digest());
}

/** Whether a dropped file is a bundle or reading proofs (JSON) rather than a report. */
export async function looksLikeJson(file) {
  const head = new TextDecoder().decode(await file.slice(0, 64).arrayBuffer()).trimStart();
  return head.startsWith("{") || head.startsWith("[");
}

const BYTES32 = /^0x[0-9a-f]{64}$/;

class Shape {
  constructor(source, kind) {
    this.source = source;
    this.kind = kind;
  }
  fail(field, problem) {
    throw new Error(`${this.source} is not a valid ${this.kind}: ${field} ${problem}.`);
  }
  bytes32(obj, field) {
    const v = typeof obj[field] === "string" ? obj[field].toLowerCase() : obj[field];
    if (typeof v !== "string" || !BYTES32.test(v)) this.fail(field, "must be 0x and 64 hex digits");
    return v;
  }
  address(obj, field) {
    try {
      return getAddress(obj[field]);
    } catch {
      return this.fail(field, "must be an address");
    }
  }
  int(obj, field, min = 0) {
    const v = obj[field];
    if (!Number.isSafeInteger(v) || v < min) this.fail(field, `must be an integer ≥ ${min}`);
    return v;
  }
  uint256(obj, field) {
    const v = obj[field];
    if (!(typeof v === "string" || Number.isSafeInteger(v)) || !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(String(v))) {
      this.fail(field, "must be an unsigned integer");
    }
    return BigInt(v);
  }
  result(obj, field) {
    if (obj[field] !== 1 && obj[field] !== 2) this.fail(field, "must be 1 (Pass) or 2 (Fail)");
    return obj[field];
  }
}

function parseJson(text, source, kind) {
  if (!text.trim()) throw new Error(`${source} is empty: it is not a ${kind}.`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not a ${kind}: it is not valid JSON (${error.message}).`);
  }
}

function leafOf(s, leaf) {
  if (!leaf || typeof leaf !== "object") s.fail("batch.leaf", "is missing");
  return {
    device_id: s.uint256(leaf, "device_id"),
    report_sha256: s.bytes32(leaf, "report_sha256"),
    data_root: s.bytes32(leaf, "data_root"),
    test_spec: s.bytes32(leaf, "test_spec"),
    result: s.result(leaf, "result"),
    valid_until: s.int(leaf, "valid_until"),
  };
}

function readingProofOf(s, item) {
  if (!item || typeof item !== "object" || !item.reading || typeof item.reading !== "object") {
    s.fail("reading proof", "needs index, reading, salt, proof and root");
  }
  const r = item.reading;
  if (!Number.isSafeInteger(r.timestamp) || typeof r.channel !== "string" || typeof r.value !== "string" || typeof r.unit !== "string") {
    s.fail("reading", "needs timestamp, channel, value and unit");
  }
  if (!Array.isArray(item.proof)) s.fail("proof", "must be a list of 32-byte hex nodes");
  return {
    index: s.int(item, "index"),
    reading: { timestamp: r.timestamp, channel: r.channel, value: r.value, unit: r.unit },
    salt: s.bytes32(item, "salt"),
    proof: item.proof.map((_, i) => s.bytes32(item.proof, i)),
    root: s.bytes32(item, "root"),
  };
}

function textOrNull(s, obj, field) {
  const v = obj[field];
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") s.fail(field, "must be text");
  return v;
}

/** A certificate bundle (see sdk/fabtrust/certificates/bundle.py) from its JSON text. */
export function parseBundle(text, source) {
  const data = parseJson(text, source, "certificate bundle");
  const s = new Shape(source, "certificate bundle");
  if (!data || typeof data !== "object" || Array.isArray(data) || data.cert_id === undefined) {
    throw new Error(`${source} is not a certificate bundle: it has no cert_id.`);
  }
  if (data.schema_version !== undefined && data.schema_version !== 1) s.fail("schema_version", "must be 1");
  let batch = null;
  if (data.batch !== null && data.batch !== undefined) {
    if (!Array.isArray(data.batch.proof)) s.fail("batch.proof", "must be a list");
    batch = {
      root: s.bytes32(data.batch, "root"),
      leaf: leafOf(s, data.batch.leaf),
      proof: data.batch.proof.map((_, i) => s.bytes32(data.batch.proof, i)),
    };
  }
  const signature = data.device_signature;
  if (signature !== null && signature !== undefined && !/^0x([0-9a-fA-F]{2})*$/.test(signature)) {
    s.fail("device_signature", "must be 0x and hex bytes");
  }
  return {
    chain_id: s.int(data, "chain_id", 1),
    registry: s.address(data, "registry"),
    cert_id: s.bytes32(data, "cert_id"),
    device_id: s.uint256(data, "device_id"),
    lab: s.address(data, "lab"),
    report_sha256: s.bytes32(data, "report_sha256"),
    report_file: typeof data.report_file === "string" ? data.report_file : null,
    data_root: s.bytes32(data, "data_root"),
    test_spec: s.bytes32(data, "test_spec"),
    result: s.result(data, "result"),
    valid_until: s.int(data, "valid_until"),
    batch,
    // null in a bundle written before its transaction was mined (a pending bundle)
    tx_hash: data.tx_hash === null || data.tx_hash === undefined ? null : s.bytes32(data, "tx_hash"),
    block_number: data.block_number === null || data.block_number === undefined ? null : s.int(data, "block_number"),
    test_spec_text: textOrNull(s, data, "test_spec_text"),
    device_signature: signature ? signature.toLowerCase() : null,
    readings: (data.readings || []).map((item) => readingProofOf(s, item)),
  };
}

/** Disclosed reading proofs: a JSON list of proofs, or one proof. */
export function parseReadingProofs(text, source) {
  const data = parseJson(text, source, "list of reading proofs");
  const s = new Shape(source, "list of reading proofs");
  return (Array.isArray(data) ? data : [data]).map((item) => readingProofOf(s, item));
}

/** Whether parsed JSON is a bundle (it names a certificate) rather than reading proofs. */
export function isBundleJson(text) {
  try {
    const data = JSON.parse(text);
    return Boolean(data && !Array.isArray(data) && data.cert_id !== undefined);
  } catch {
    return text.includes('"cert_id"');
  }
}
