// The independent check printed beside a verdict: Foundry `cast call` commands that ask the
// registry itself. A faithful port of cast_commands in sdk/fabtrust/certificates/_cast.py (the
// reference): the same arguments (snake_case, as the Python keywords), the same strings. Both are
// held to the one vector file tests/web/cast_vectors.json (tests/web/test_cast_vectors.py runs
// the Python function and this module under Node against it), so the two cannot drift; a change
// of the registry's ABI is adapted in these two functions alone. No imports: Node loads it as is.

/** The `cast call` commands that answer, from the chain alone, what the verdict says (see the
 * docstring of cast_commands). Integers (device_id, valid_until) may be numbers, BigInts or
 * decimal strings; null/undefined fields mean "no certificate found". */
export function castCommands({
  registry,
  rpc_url,
  cert_id,
  lab = null,
  device_id = null,
  report_sha256 = null,
  data_root = null,
  test_spec = null,
  valid_until = null,
  batch_root = null,
  batch_proof = null,
}) {
  const rpc = `--rpc-url ${rpc_url}`;
  const missing = (v) => v === null || v === undefined;
  if ([device_id, report_sha256, data_root, test_spec].some(missing)) {
    return [`cast call ${registry} "isValid(bytes32)(bool)" ${cert_id} ${rpc}`];
  }
  const device = String(BigInt(device_id));
  if (!missing(lab) && !missing(batch_root) && !missing(batch_proof)) {
    const until = missing(valid_until) ? "None" : String(BigInt(valid_until));
    const leaf = `(${device},${report_sha256},${data_root},${test_spec},1,${until})`;
    const proof = "[" + batch_proof.join(",") + "]";
    return [
      `cast call ${registry} "verifyBatchCertificate(address,bytes32,(uint256,bytes32,` +
        `bytes32,bytes32,uint8,uint64),bytes32[])(bool)" ${lab} ${batch_root} "${leaf}" ` +
        `"${proof}" ${rpc}`,
    ];
  }
  return [
    `cast call ${registry} "verifyCertificateFields(bytes32,uint256,bytes32,bytes32,` +
      `bytes32)(bool)" ${cert_id} ${device} ${report_sha256} ${data_root} ${test_spec} ${rpc}`,
    `cast call ${registry} "isValidPass(bytes32,uint256,bytes32,bytes32)(bool)" ${cert_id} ` +
      `${device} ${test_spec} ${data_root} ${rpc}`,
  ];
}
