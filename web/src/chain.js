// Chain reads of the certificates domain, for the verification page: the JavaScript twin of
// sdk/fabtrust/certificates/_reader.py (same reads, same shapes, same "not found" rules).
//
// Every contract read goes through this module and every ABI comes from the SDK's shipped ABI
// files (sdk/fabtrust/abi/*.json, bundled at build time), so a change of the contracts' ABI is
// adapted here and nowhere else on the page.

import {
  BaseError,
  createPublicClient,
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  hashTypedData,
  hexToBytes,
  http,
  keccak256,
  recoverTypedDataAddress,
  stringToBytes,
  toEventSelector,
} from "viem";

import certificateRegistry from "../../sdk/fabtrust/abi/CertificateRegistry.json";
import deviceRegistry from "../../sdk/fabtrust/abi/DeviceRegistry.json";

export const REGISTRY = "CertificateRegistry";
export const DEVICES = "DeviceRegistry";
export const DEVICE_STATUS = ["Active", "Suspended", "Decommissioned"];
export const ZERO_BYTES32 = "0x" + "00".repeat(32);
const ERC1271_MAGIC = "0x1626ba7e";
const ABIS = { [REGISTRY]: certificateRegistry.abi, [DEVICES]: deviceRegistry.abi };

/** A chain read that failed for a reason other than a contract's "not found" answer. */
export class ChainUnreachable extends Error {}

/** A contract answered with one of its custom errors (e.g. CertificateNotFound). */
export class ContractError extends Error {
  constructor(name, args) {
    super(name);
    this.errorName = name;
    this.args = args;
  }
}

/** "0x" + 64 lowercase hex digits of a bytes32 value read from the chain. */
export function hex32(value) {
  return "0x" + String(value).toLowerCase().replace(/^0x/, "").padStart(64, "0");
}

/** An indexed address as a log topic (left-padded to 32 bytes), as _address_topic in
 * sdk/fabtrust/certificates/_reader.py. */
function addressTopic(address) {
  return "0x" + String(address).toLowerCase().replace(/^0x/, "").padStart(64, "0");
}

function optional(value) {
  const text = hex32(value);
  return text === ZERO_BYTES32 ? null : text;
}

/** Where the contracts live on a chain: a parsed deployments/<chainId>.json. */
export function parseDeployment(text, source) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not a deployment file: it is not JSON.`);
  }
  const contracts = data && typeof data === "object" ? data.contracts : null;
  if (!contracts || !Number.isInteger(data.chain_id)) {
    throw new Error(`${source} is not a deployment file: it has no chain_id and contracts.`);
  }
  for (const name of [REGISTRY, DEVICES]) {
    if (!contracts[name] || !/^0x[0-9a-fA-F]{40}$/.test(contracts[name].address || "")) {
      throw new Error(`${source} is not a fabtrust deployment: it has no ${name} address.`);
    }
  }
  return {
    chainId: data.chain_id,
    addresses: {
      [REGISTRY]: getAddress(contracts[REGISTRY].address),
      [DEVICES]: getAddress(contracts[DEVICES].address),
    },
    fromBlock: Math.min(...Object.values(contracts).map((c) => Number(c.block_number || 0))),
  };
}

/** The contract's custom error in a failed eth_call (nodes put the revert data in different
 * places of the error), or null when the call failed for another reason. */
function revertOf(abi, error) {
  let data = null;
  if (error instanceof BaseError) {
    error.walk((e) => {
      if (!data && typeof e.data === "string" && e.data.startsWith("0x")) data = e.data;
      if (!data && e.data && typeof e.data.data === "string") data = e.data.data;
      return false;
    });
  }
  if (!data || data.length < 10) return null;
  try {
    const decoded = decodeErrorResult({ abi, data });
    return new ContractError(decoded.errorName, decoded.args);
  } catch {
    return null;
  }
}

function unreachable(error, what) {
  const text = String((error && (error.shortMessage || error.message)) || error);
  return new ChainUnreachable(`the RPC did not answer ${what}: ${text.split("\n")[0]}`);
}

/** A registry event's full signature, as `cast logs` takes it (indexed parameters marked). */
export function eventSignature(eventName) {
  const item = ABIS[REGISTRY].find((e) => e.type === "event" && e.name === eventName);
  const params = item.inputs.map((i) => `${i.type}${i.indexed ? " indexed" : ""} ${i.name}`);
  return `${item.name}(${params.join(", ")})`;
}

export class Reader {
  /** Reads through ``rpcUrl`` from the contracts of ``deployment`` (see parseDeployment). */
  constructor({ rpcUrl, deployment, transport }) {
    this.rpcUrl = rpcUrl;
    this.deployment = deployment;
    this.client = createPublicClient({
      transport: transport || http(rpcUrl, { retryCount: 0, timeout: 20_000 }),
    });
  }

  address(contract) {
    return this.deployment.addresses[contract];
  }

  async chainId() {
    try {
      return await this.client.getChainId();
    } catch (error) {
      throw unreachable(error, "eth_chainId");
    }
  }

  async read(contract, functionName, args, block) {
    const abi = ABIS[contract];
    const data = encodeFunctionData({ abi, functionName, args });
    let result;
    try {
      result = await this.client.call({
        to: this.address(contract),
        data,
        blockNumber: block === undefined ? undefined : BigInt(block),
      });
    } catch (error) {
      const reverted = revertOf(abi, error);
      if (reverted) throw reverted;
      throw unreachable(error, `${contract}.${functionName}`);
    }
    return decodeFunctionResult({ abi, functionName, data: result.data || "0x" });
  }

  async call(functionName, args, block) {
    return this.read(REGISTRY, functionName, args, block);
  }

  /** Decoded events of a contract (the registry unless ``contract`` says otherwise), one event
   * and positional indexed-topic filters, chain order. */
  async events(eventName, { topics = [], toBlock, chunkSize = 5_000, contract = REGISTRY } = {}) {
    const abi = ABIS[contract];
    const item = abi.find((e) => e.type === "event" && e.name === eventName);
    const filter = [toEventSelector(item), ...topics];
    const last = toBlock === undefined ? Number(await this.head().then((h) => h.number)) : toBlock;
    const found = [];
    for (let start = this.deployment.fromBlock; start <= last; start += chunkSize) {
      const end = Math.min(start + chunkSize - 1, last);
      let logs;
      try {
        logs = await this.client.request({
          method: "eth_getLogs",
          params: [
            {
              address: this.address(contract),
              topics: filter,
              fromBlock: "0x" + start.toString(16),
              toBlock: "0x" + end.toString(16),
            },
          ],
        });
      } catch (error) {
        throw unreachable(error, "eth_getLogs");
      }
      for (const log of logs) {
        if (log.removed) continue;
        let decoded;
        try {
          decoded = decodeEventLog({ abi, data: log.data, topics: log.topics });
        } catch {
          continue;
        }
        found.push({
          name: decoded.eventName,
          args: decoded.args,
          txHash: log.transactionHash,
          blockNumber: Number(BigInt(log.blockNumber)),
          logIndex: Number(BigInt(log.logIndex)),
        });
      }
    }
    found.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    return found;
  }

  async accreditation(lab, block) {
    const acc = await this.call("accreditation", [lab], block);
    const accredited = Boolean(await this.call("isAccredited", [lab], block));
    return {
      lab,
      labId: Number(acc.labId),
      name: String(acc.name),
      active: Boolean(acc.active),
      accredited,
      accreditedAt: acc.accreditedAt ? Number(acc.accreditedAt) : null,
      validUntil: acc.validUntil ? Number(acc.validUntil) : null,
      revokedAt: acc.revokedAt ? Number(acc.revokedAt) : null,
    };
  }

  /** ``lab``'s batch ``root`` (ContractError BatchNotFound if that lab did not anchor it). */
  async batch(lab, root, block) {
    const b = await this.call("batch", [lab, root], block);
    return {
      root,
      lab: b.lab,
      anchoredAt: Number(b.anchoredAt),
      count: Number(b.count),
      revoked: Boolean(b.revoked),
    };
  }

  /** The stored record merged with its events (ContractError CertificateNotFound if none). */
  async certificate(certId, block, issued = null, labNames = {}) {
    const record = await this.call("certificate", [certId], block);
    if (issued === null) {
      const found = await this.events("CertificateIssued", { topics: [certId], toBlock: block });
      if (!found.length) {
        throw new ChainUnreachable(
          `certificate ${certId} is stored but its CertificateIssued event was not found (is the node pruning logs?)`,
        );
      }
      issued = found[0];
    }
    const args = issued.args;
    let reason = null;
    let revokedBy = null;
    if (record.revoked) {
      const revocations = await this.events("CertificateRevoked", { topics: [certId], toBlock: block });
      if (revocations.length) {
        reason = String(revocations[revocations.length - 1].args.reason);
        revokedBy = String(revocations[revocations.length - 1].args.revokedBy);
      }
    }
    // The record is one slot without the device id or what it replaces: both come from events.
    const replaced = await this.events("CertificateSuperseded", { topics: [null, certId], toBlock: block });
    if (!(record.lab in labNames)) labNames[record.lab] = (await this.accreditation(record.lab, block)).name;
    return {
      cert_id: certId,
      device_id: BigInt(args.deviceId),
      lab: record.lab,
      lab_name: labNames[record.lab],
      report_sha256: hex32(args.reportSha256),
      data_root: hex32(args.dataRoot),
      test_spec: hex32(args.testSpec),
      result: Number(record.result),
      issued_at: Number(record.issuedAt),
      valid_until: Number(record.validUntil),
      revoked: Boolean(record.revoked),
      revocation_reason: reason,
      revoked_by: revokedBy,
      superseded_by: optional(record.successor),
      supersedes: replaced.length ? hex32(replaced[0].args.certId) : null,
      device_attested: Boolean(record.deviceAttested),
      device_signature: args.deviceSignature && args.deviceSignature !== "0x" ? String(args.deviceSignature).toLowerCase() : null,
      batch_root: optional(record.batchRoot),
      tx_hash: issued.txHash,
      block_number: issued.blockNumber,
    };
  }

  async certificatesFrom(events, block) {
    const seen = new Set();
    const names = {};
    const found = [];
    for (const event of events) {
      const certId = hex32(event.args.certId);
      if (seen.has(certId)) continue;
      seen.add(certId);
      found.push(await this.certificate(certId, block, event, names));
    }
    return found;
  }

  /** A leaf of ``lab``'s anchored batch not presented yet (ContractError BatchNotFound if that
   * lab anchored no such batch). */
  async unpresented(lab, root, leaf, block) {
    const batch = await this.batch(lab, root, block);
    const labTopic = addressTopic(lab);
    const anchored = await this.events("BatchAnchored", { topics: [root, labTopic], toBlock: block });
    if (!anchored.length) {
      throw new ChainUnreachable(`batch ${root} is anchored but its BatchAnchored event was not found`);
    }
    let reason = null;
    let revokedBy = null;
    if (batch.revoked) {
      const revocations = await this.events("BatchRevoked", { topics: [root, labTopic], toBlock: block });
      if (revocations.length) {
        reason = String(revocations[revocations.length - 1].args.reason);
        revokedBy = String(revocations[revocations.length - 1].args.revokedBy);
      }
    }
    return {
      cert_id: certIdOf(batch.lab, leaf.device_id, leaf.report_sha256),
      device_id: leaf.device_id,
      lab: batch.lab,
      lab_name: (await this.accreditation(batch.lab, block)).name,
      report_sha256: leaf.report_sha256,
      data_root: leaf.data_root,
      test_spec: leaf.test_spec,
      result: leaf.result,
      issued_at: batch.anchoredAt,
      valid_until: leaf.valid_until,
      revoked: batch.revoked,
      revocation_reason: reason,
      revoked_by: revokedBy,
      superseded_by: null,
      supersedes: null,
      device_attested: false,
      device_signature: null,
      batch_root: root,
      tx_hash: anchored[0].txHash,
      block_number: anchored[0].blockNumber,
    };
  }

  /** Whether ``lab``'s batch is revoked, and the reason given. */
  async batchRevocation(lab, root, block) {
    const batch = await this.batch(lab, root, block);
    if (!batch.revoked) return [false, null];
    const revocations = await this.events("BatchRevoked", { topics: [root, addressTopic(lab)], toBlock: block });
    return [true, revocations.length ? String(revocations[revocations.length - 1].args.reason) : null];
  }

  /** The device's record and owner (ContractError DeviceNotFound if not registered). */
  async device(deviceId, block) {
    const d = await this.read(DEVICES, "device", [deviceId], block);
    const owner = await this.read(DEVICES, "ownerOf", [deviceId], block);
    const status = Number(d.status);
    return {
      deviceId,
      manufacturer: d.manufacturer,
      registeredAt: Number(d.registeredAt),
      status: status < DEVICE_STATUS.length ? DEVICE_STATUS[status] : String(status),
      keyProven: Boolean(d.keyProven),
      deviceKey: d.deviceKey,
      owner,
    };
  }

  /** The device in words for people, as device_words in sdk/fabtrust/cli/cert.py: serial,
   * model (its text when it was given as text), manufacturer and status; null when the device
   * or its DeviceRegistered event cannot be read. */
  async deviceWords(deviceId, block) {
    let info;
    try {
      info = await this.device(deviceId, block);
    } catch (error) {
      if (error instanceof ContractError) return null;
      throw error;
    }
    const topic = "0x" + BigInt(deviceId).toString(16).padStart(64, "0");
    const found = await this.events("DeviceRegistered", { topics: [topic], toBlock: block, contract: DEVICES });
    if (!found.length) return null;
    const model = hex32(found[0].args.model);
    return {
      serial: String(found[0].args.serial),
      model: modelText(model) ?? model,
      manufacturer: info.manufacturer,
      status: info.status,
    };
  }

  async head() {
    let block;
    try {
      block = await this.client.getBlock({ blockTag: "latest" });
    } catch (error) {
      throw unreachable(error, "eth_getBlockByNumber");
    }
    return { number: Number(block.number), timestamp: Number(block.timestamp) };
  }

  async codeAt(address, block) {
    try {
      const code = await this.client.getCode({ address, blockNumber: BigInt(block) });
      return code && code !== "0x" ? code : null;
    } catch (error) {
      throw unreachable(error, "eth_getCode");
    }
  }

  /** Whether ``signature`` is ``signer``'s over ``typed``: ECDSA for an account without code,
   * ERC-1271 isValidSignature for a contract (as OpenZeppelin's SignatureChecker). */
  async signatureValid(signer, typed, signature, block) {
    if (await this.codeAt(signer, block)) {
      const digest = hashTypedData(typed);
      const data =
        ERC1271_MAGIC +
        encodeAbiParameters([{ type: "bytes32" }, { type: "bytes" }], [digest, signature]).slice(2);
      try {
        const result = await this.client.call({ to: signer, data, blockNumber: BigInt(block) });
        const out = result.data || "0x";
        return out.length >= 66 && out.slice(0, 10) === ERC1271_MAGIC;
      } catch {
        return false;
      }
    }
    return (await recoverSigner(typed, signature)) === signer;
  }
}

/** The address that made an ECDSA EIP-712 signature, or null when it is malformed. */
export async function recoverSigner(typed, signature) {
  try {
    return getAddress(await recoverTypedDataAddress({ ...typed, signature }));
  } catch {
    return null;
  }
}

/** The text of a bytes32 model made from text, else null (model_text in
 * sdk/fabtrust/identity/_inputs.py). */
export function modelText(model) {
  let bytes = hexToBytes(model);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end -= 1;
  bytes = bytes.slice(0, end);
  if (!bytes.length || bytes.includes(0)) return null;
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  return /^[^\p{C}\p{Z}]*$/u.test(text.replace(/ /g, "")) ? text : null;
}

/** keccak256 of the UTF-8 text: the bytes32 testSpec of that specification (test_spec_id in
 * sdk/fabtrust/evidence/typed_data.py). */
export function testSpecId(text) {
  return keccak256(stringToBytes(text));
}

/** keccak256(abi.encode(lab, deviceId, reportSha256)), as cert_id_of in
 * sdk/fabtrust/evidence/typed_data.py. */
export function certIdOf(lab, deviceId, reportSha256) {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address" }, { type: "uint256" }, { type: "bytes32" }],
      [lab, BigInt(deviceId), reportSha256],
    ),
  );
}

/** DataAttestation(uint256 deviceId,bytes32 dataRoot), signed by the device key (see
 * sdk/fabtrust/evidence/typed_data.py). */
export function dataAttestationTypedData({ chainId, registry, deviceId, dataRoot }) {
  return {
    domain: {
      name: "fabtrust CertificateRegistry",
      version: "1",
      chainId: BigInt(chainId),
      verifyingContract: registry,
    },
    types: {
      DataAttestation: [
        { name: "deviceId", type: "uint256" },
        { name: "dataRoot", type: "bytes32" },
      ],
    },
    primaryType: "DataAttestation",
    message: { deviceId: BigInt(deviceId), dataRoot },
  };
}
