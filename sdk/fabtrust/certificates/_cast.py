"""The independent check printed beside a verdict: Foundry ``cast call`` commands that ask the
registry itself, for a buyer who trusts no SDK. Every command prints ``true`` when the certificate
checks out.

ONE function builds them (:func:`cast_commands`), so that a change of the registry's ABI is
adapted here alone. Light module: no web3.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["cast_commands"]


def cast_commands(
    *,
    registry: str,
    rpc_url: str,
    cert_id: str,
    lab: str | None,
    device_id: int | None,
    report_sha256: str | None,
    data_root: str | None,
    test_spec: str | None,
    valid_until: int | None,
    batch_root: str | None = None,
    batch_proof: Sequence[str] | None = None,
) -> tuple[str, ...]:
    """The ``cast call`` commands that answer, from the chain alone, what the verdict says.

    A stored certificate: ``verifyCertificateFields(certId, deviceId, reportSha256, dataRoot,
    testSpec)`` binds the report's SHA-256 (the digest of the file the buyer holds), the data
    root, the specification and - through ``certificateId(lab, device, sha256)`` - the lab;
    ``isValidPass(certId, deviceId, testSpec, dataRoot)`` the result (a Pass), the validity
    window, revocation (of the certificate or its batch), supersession, an Active device and a
    lab not revoked at or after issuance. A batch leaf not presented on chain (``lab``,
    ``batch_root`` and ``batch_proof`` given): ``verifyBatchCertificate(lab, root, leaf, proof)``
    with the leaf's result set to Pass, so the proof holds only for a Pass of this report,
    anchored by this lab after its latest revocation, unrevoked, in its window, while the lab is
    accredited. Without the fields (no certificate found) only ``isValid(certId)``.
    """
    rpc = f"--rpc-url {rpc_url}"
    fields = (device_id, report_sha256, data_root, test_spec)
    if any(value is None for value in fields):
        return (f'cast call {registry} "isValid(bytes32)(bool)" {cert_id} {rpc}',)
    if lab is not None and batch_root is not None and batch_proof is not None:
        leaf = f"({device_id},{report_sha256},{data_root},{test_spec},1,{valid_until})"
        proof = "[" + ",".join(batch_proof) + "]"
        return (
            f'cast call {registry} "verifyBatchCertificate(address,bytes32,(uint256,bytes32,'
            f'bytes32,bytes32,uint8,uint64),bytes32[])(bool)" {lab} {batch_root} "{leaf}" '
            f'"{proof}" {rpc}',
        )
    return (
        f'cast call {registry} "verifyCertificateFields(bytes32,uint256,bytes32,bytes32,'
        f'bytes32)(bool)" {cert_id} {device_id} {report_sha256} {data_root} {test_spec} {rpc}',
        f'cast call {registry} "isValidPass(bytes32,uint256,bytes32,bytes32)(bool)" {cert_id} '
        f"{device_id} {test_spec} {data_root} {rpc}",
    )
