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
    ``isValid(certId)`` the validity window, revocation and supersession; ``isAccredited(lab)``
    the issuer. A batch leaf not presented on chain (``batch_root`` and ``batch_proof`` given):
    ``verifyBatchCertificate(root, leaf, proof)`` with the leaf's result set to Pass, so the proof
    holds only for a Pass of this report, anchored, unrevoked and in its window; and
    ``isAccredited(lab)``. Without the fields (no certificate found) only ``isValid(certId)``.
    """
    rpc = f"--rpc-url {rpc_url}"
    fields = (device_id, report_sha256, data_root, test_spec)
    if any(value is None for value in fields):
        return (f'cast call {registry} "isValid(bytes32)(bool)" {cert_id} {rpc}',)
    accredited = f'cast call {registry} "isAccredited(address)(bool)" {lab} {rpc}' if lab else None
    if batch_root is not None and batch_proof is not None:
        leaf = f"({device_id},{report_sha256},{data_root},{test_spec},1,{valid_until})"
        proof = "[" + ",".join(batch_proof) + "]"
        commands = [
            f'cast call {registry} "verifyBatchCertificate(bytes32,(uint256,bytes32,bytes32,'
            f'bytes32,uint8,uint64),bytes32[])(bool)" {batch_root} "{leaf}" "{proof}" {rpc}',
        ]
    else:
        commands = [
            f'cast call {registry} "verifyCertificateFields(bytes32,uint256,bytes32,bytes32,'
            f'bytes32)(bool)" {cert_id} {device_id} {report_sha256} {data_root} {test_spec} '
            f"{rpc}",
            f'cast call {registry} "isValid(bytes32)(bool)" {cert_id} {rpc}',
        ]
    if accredited is not None:
        commands.append(accredited)
    return tuple(commands)
