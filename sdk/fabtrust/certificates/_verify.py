"""Private: checking a certificate bundle, a report and readings against the chain.

:func:`verify` reads everything at one block and returns a :class:`Verdict` whose checks are
always the names of :data:`CHECK_NAMES`, in that order. A check that has nothing to be checked
against is ``skipped`` (and ok); every failing check says why in one line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fabtrust._checks import CHECKS
from fabtrust.certificates._cast import cast_commands
from fabtrust.certificates._inputs import ZERO_BYTES32, from_timestamp, report_source
from fabtrust.certificates._reader import REGISTRY, Reader
from fabtrust.certificates.bundle import CertificateBundle
from fabtrust.certificates.errors import (
    BatchNotFoundError,
    CertificateNotFoundError,
    DeviceNotFoundError,
)
from fabtrust.certificates.models import Certificate, Check, Verdict
from fabtrust.errors import ChainError, InvalidInputError
from fabtrust.evidence.readings import (
    ReadingProof,
    ReadingsTree,
    load_readings,
    verify_reading,
)
from fabtrust.evidence.typed_data import (
    CertificateResult,
    data_attestation_typed_data,
    typed_data_digest,
)

__all__ = ["CHECK_NAMES", "verify"]

CHECK_NAMES: tuple[str, ...] = tuple(check.name for check in CHECKS)
"""The checks of a verdict, in order (from checks.json, shared with the buyer's page)."""

_ERC1271_MAGIC = bytes.fromhex("1626ba7e")


def _short(value: str) -> str:
    return value if len(value) <= 14 else f"{value[:10]}…{value[-4:]}"


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass
class _Run:
    reader: Reader
    block: int
    now: int
    chain_id: int
    registry: str
    checks: dict[str, Check] = field(default_factory=dict)
    stored: bool = False
    """Whether the certificate is stored in the registry (not only a leaf of a batch)."""

    def ok(self, name: str, detail: str) -> None:
        self.checks[name] = Check(name=name, ok=True, detail=detail)

    def fail(self, name: str, detail: str) -> None:
        one_line = " ".join(detail.split())
        self.checks[name] = Check(name=name, ok=False, detail=one_line)

    def skip(self, name: str, detail: str) -> None:
        self.checks[name] = Check(name=name, ok=True, detail=detail, skipped=True)


def verify(
    reader: Reader,
    *,
    bundle: CertificateBundle | None,
    report: str | bytes | os.PathLike[str] | None,
    readings: str | os.PathLike[str] | None,
    readings_seed: bytes | str | None,
    cert_id: str | None,
    rpc_url: str,
) -> Verdict:
    """See :meth:`CertificatesClient.verify_bundle`."""
    if readings_seed is not None and readings is None:
        raise InvalidInputError(
            "readings_seed is only used with a readings file", field="readings_seed"
        )
    digest, report_name = report_source(report) if report is not None else (None, None)
    if bundle is None and cert_id is None and digest is None:
        raise InvalidInputError(
            "nothing to verify: give a bundle, a certificate id or a report", field="bundle"
        )
    binding = reader.binding
    block, now = reader.head()
    run = _Run(
        reader=reader,
        block=block,
        now=now,
        chain_id=binding.connection.chain_id,
        registry=binding.contract(REGISTRY).address,
    )
    wanted = cert_id if cert_id is not None else (bundle.cert_id if bundle else None)
    cert = _find(run, bundle, wanted, digest)
    _bundle_matches(run, bundle, cert)
    if cert is None:
        for name in CHECK_NAMES:
            if name not in run.checks:
                run.skip(name, "no certificate to check against")
    else:
        _report(run, cert, digest, report_name)
        _issuer(run, cert)
        _device(run, cert)
        _result(run, cert)
        _validity(run, cert)
        _revocation(run, cert)
        _supersession(run, cert)
        _batch(run, cert, bundle)
        _data_root(run, cert, bundle, readings, readings_seed)
        _device_signature(run, cert, bundle)
    checks = tuple(run.checks[name] for name in CHECK_NAMES)
    shown = cert.cert_id if cert is not None else wanted
    casts: tuple[str, ...] = ()
    if shown is not None:
        unpresented = bundle is not None and bundle.batch is not None and not run.stored
        casts = cast_commands(
            registry=run.registry,
            rpc_url=rpc_url,
            cert_id=shown,
            lab=cert.lab if cert is not None else None,
            device_id=cert.device_id if cert is not None else None,
            report_sha256=(digest or cert.report_sha256) if cert is not None else None,
            data_root=cert.data_root if cert is not None else None,
            test_spec=cert.test_spec if cert is not None else None,
            valid_until=int(cert.valid_until.timestamp()) if cert is not None else None,
            batch_root=bundle.batch.root if unpresented and bundle and bundle.batch else None,
            batch_proof=bundle.batch.proof if unpresented and bundle and bundle.batch else None,
        )
    return Verdict(
        verified=all(c.ok for c in checks),
        chain_id=run.chain_id,
        registry=run.registry,
        block_number=block,
        block_time=from_timestamp(now),
        cert_id=shown,
        certificate=cert,
        checks=checks,
        cast_call="\n".join(casts) if casts else None,
        cast_calls=casts,
    )


# --------------------------------------------------------------------------------------------------
# the certificate


def _find(
    run: _Run, bundle: CertificateBundle | None, wanted: str | None, digest: str | None
) -> Certificate | None:
    name = "certificate_on_chain"
    reader = run.reader
    if wanted is not None:
        try:
            cert = reader.certificate(wanted, block=run.block)
        except CertificateNotFoundError:
            pass
        else:
            run.stored = True
            run.ok(
                name, f"certificate {wanted} stored in block {cert.block_number} ({cert.tx_hash})"
            )
            return cert
        if bundle is None or bundle.batch is None:
            run.fail(name, f"no certificate {wanted} in the registry at {run.registry}")
            return None
        root = bundle.batch.root
        try:
            cert = reader.unpresented(bundle.lab, root, bundle.batch.leaf, block=run.block)
        except BatchNotFoundError:
            run.fail(name, f"certificate {wanted} is not stored and batch {root} is not anchored")
            return None
        if cert.cert_id != wanted:
            run.fail(
                name,
                f"certificate {wanted} is not stored; the bundle's batch leaf is certificate "
                f"{cert.cert_id}",
            )
            return cert
        run.ok(
            name,
            f"certificate {wanted} is a leaf of batch {root}, anchored in block "
            f"{cert.block_number} (not presented yet)",
        )
        return cert
    assert digest is not None
    events = reader.events("CertificateIssued", topics=[None, None, digest], to_block=run.block)
    found = reader.certificates_from(events, block=run.block)
    if not found:
        run.fail(name, f"no certificate on chain for the report digest {digest}")
        return None
    run.stored = True
    valid = [c for c in found if _currently_valid(c, run.now)]
    cert = (valid or found)[-1]
    which = "latest valid" if valid else "latest"
    run.ok(
        name,
        f"found by the report's digest: {len(found)} certificate(s), checking the {which} one, "
        f"{cert.cert_id} (block {cert.block_number})",
    )
    return cert


def _currently_valid(cert: Certificate, now: int) -> bool:
    return (
        not cert.revoked and cert.superseded_by is None and now < int(cert.valid_until.timestamp())
    )


def _bundle_matches(run: _Run, bundle: CertificateBundle | None, cert: Certificate | None) -> None:
    name = "bundle_matches_chain"
    if bundle is None:
        run.skip(name, "no bundle given")
        return
    diffs: list[str] = []
    if bundle.chain_id != run.chain_id:
        diffs.append(f"chain_id {bundle.chain_id} (connected to {run.chain_id})")
    if bundle.registry != run.registry:
        diffs.append(f"registry {bundle.registry} (this deployment's is {run.registry})")
    if cert is not None:
        pairs: list[tuple[str, Any, Any]] = [
            ("cert_id", bundle.cert_id, cert.cert_id),
            ("device_id", bundle.device_id, cert.device_id),
            ("lab", bundle.lab, cert.lab),
            ("report_sha256", bundle.report_sha256, cert.report_sha256),
            ("data_root", bundle.data_root, cert.data_root),
            ("test_spec", bundle.test_spec, cert.test_spec),
            ("result", int(bundle.result), int(cert.result)),
            ("valid_until", bundle.valid_until, int(cert.valid_until.timestamp())),
        ]
        same_tx = (bundle.tx_hash, bundle.block_number) == (cert.tx_hash, cert.block_number)
        pending = bundle.tx_hash is None  # written before its transaction was mined
        if not pending and not same_tx and not _anchoring_tx(run, bundle, cert):
            pairs.append(("tx_hash", bundle.tx_hash, cert.tx_hash))
            pairs.append(("block_number", bundle.block_number, cert.block_number))
        if bundle.batch is not None and cert.batch_root is not None:
            pairs.append(("batch.root", bundle.batch.root, cert.batch_root))
        if bundle.test_spec_text is not None:  # the text shown to people must be the spec's
            from fabtrust.evidence.typed_data import test_spec_id

            spec_of_text = test_spec_id(bundle.test_spec_text) if bundle.test_spec_text else None
            if spec_of_text != cert.test_spec:
                diffs.append(
                    f"test_spec_text {bundle.test_spec_text!r} hashes to {spec_of_text} "
                    f"(chain: {cert.test_spec})"
                )
        for field_name, mine, theirs in pairs:
            if mine != theirs:
                diffs.append(f"{field_name} {mine} (chain: {theirs})")
    if diffs:
        run.fail(name, "the bundle differs from the chain: " + "; ".join(diffs))
    else:
        run.ok(name, f"chain id {run.chain_id} and registry {run.registry} as in the bundle")


def _anchoring_tx(run: _Run, bundle: CertificateBundle, cert: Certificate) -> bool:
    """Whether the bundle names the anchoring transaction of the batch its stored certificate was
    presented from (a bundle made before the presentation)."""
    if bundle.batch is None or cert.batch_root != bundle.batch.root:
        return False
    anchored = run.reader.events("BatchAnchored", topics=[bundle.batch.root], to_block=run.block)
    return any(
        (e.tx_hash, e.block_number) == (bundle.tx_hash, bundle.block_number) for e in anchored
    )


def _report(run: _Run, cert: Certificate, digest: str | None, file_name: str | None) -> None:
    name = "report_digest"
    if digest is None:
        run.skip(name, "no report given to hash")
        return
    label = file_name or "the report"
    if digest == cert.report_sha256:
        run.ok(name, f"SHA-256 of {label} is {digest}, as on chain")
    else:
        run.fail(
            name, f"SHA-256 of {label} is {digest}, the certificate commits to {cert.report_sha256}"
        )


def _issuer(run: _Run, cert: Certificate) -> None:
    name = "issuer_accredited"
    acc = run.reader.accreditation(cert.lab, block=run.block)
    who = f"{acc.name} ({cert.lab})" if acc.name else cert.lab
    if acc.revoked_at is not None and cert.issued_at <= acc.revoked_at:
        # The chain invalidates everything a lab issued up to a revocation, for ever.
        run.fail(
            name,
            f"{who}: the accreditation was revoked on {_date(acc.revoked_at)}, at or after this "
            "certificate was issued",
        )
    elif acc.accredited:
        until = _date(acc.valid_until) if acc.valid_until else "?"
        run.ok(name, f"{who} is accredited until {until}")
    elif acc.lab_id == 0:
        run.fail(name, f"{cert.lab} was never accredited")
    elif not acc.active:
        run.fail(name, f"{who}: the accreditation was revoked")
    else:
        # Expiry stops a lab from issuing; what it issued before stays valid on chain.
        until = _date(acc.valid_until) if acc.valid_until else "?"
        run.ok(name, f"{who}: accredited when it issued this; the accreditation expired on {until}")


def _device(run: _Run, cert: Certificate) -> None:
    name = "device_registered"
    try:
        device = run.reader.device(cert.device_id, block=run.block)
    except DeviceNotFoundError:
        run.fail(name, f"device {cert.device_id:#x} is not registered")
        return
    detail = (
        f"device {cert.device_id:#x} registered by {device.manufacturer}, owner {device.owner}, "
        f"status {device.status}"
    )
    if device.status == "Active":
        run.ok(name, detail)
    else:
        # The chain counts no certificate of a device that is not Active.
        run.fail(name, f"{detail}: its certificates are not valid while it is not Active")


def _result(run: _Run, cert: Certificate) -> None:
    if cert.result == CertificateResult.PASS:
        run.ok("result_pass", f"result Pass for test specification {cert.test_spec}")
    else:
        run.fail("result_pass", f"result Fail for test specification {cert.test_spec}")


def _validity(run: _Run, cert: Certificate) -> None:
    name = "validity_window"
    until = int(cert.valid_until.timestamp())
    issued = _date(cert.issued_at)
    if run.now < until:
        days = (until - run.now) // 86_400
        run.ok(name, f"issued {issued}, valid until {_date(cert.valid_until)} ({days} days left)")
    else:
        run.fail(name, f"issued {issued}, expired on {_date(cert.valid_until)}")


def _revocation(run: _Run, cert: Certificate) -> None:
    name = "not_revoked"
    if cert.batch_root is not None:
        revoked, reason = run.reader.batch_revocation(cert.lab, cert.batch_root, block=run.block)
        if revoked:
            run.fail(
                name, f"its batch {cert.batch_root} was revoked: {reason or '(no reason given)'}"
            )
            return
    if cert.revoked:
        by = f" by {cert.revoked_by}" if cert.revoked_by else ""
        run.fail(name, f"revoked{by}: {cert.revocation_reason or '(no reason given)'}")
        return
    run.ok(name, "not revoked")


def _supersession(run: _Run, cert: Certificate) -> None:
    name = "not_superseded"
    if cert.superseded_by is not None:
        run.fail(name, f"superseded by certificate {cert.superseded_by}")
    elif cert.supersedes is not None:
        run.ok(name, f"not superseded (it replaces {cert.supersedes})")
    else:
        run.ok(name, "not superseded")


# --------------------------------------------------------------------------------------------------
# proofs


def _batch(run: _Run, cert: Certificate, bundle: CertificateBundle | None) -> None:
    name = "batch_proof"
    if bundle is None or bundle.batch is None:
        if cert.batch_root is not None:
            run.skip(
                name,
                f"presented from batch {cert.batch_root}: its proof was checked on chain then",
            )
        else:
            run.skip(name, "not a batch certificate")
        return
    batch = bundle.batch
    problems: list[str] = []
    if not batch.verify():
        problems.append(f"the proof does not lead from the leaf to the root {batch.root}")
    leaf = batch.leaf
    for field_name, mine, theirs in (
        ("device_id", leaf.device_id, cert.device_id),
        ("report_sha256", leaf.report_sha256, cert.report_sha256),
        ("data_root", leaf.data_root, cert.data_root),
        ("test_spec", leaf.test_spec, cert.test_spec),
        ("result", int(leaf.result), int(cert.result)),
        ("valid_until", leaf.valid_until, int(cert.valid_until.timestamp())),
    ):
        if mine != theirs:
            problems.append(f"the leaf's {field_name} {mine} is not the certificate's {theirs}")
    if cert.batch_root is None:
        problems.append("the certificate was not issued from a batch")
    elif cert.batch_root != batch.root:
        problems.append(f"the certificate comes from batch {cert.batch_root}, not {batch.root}")
    try:
        anchored = run.reader.batch(cert.lab, batch.root, block=run.block)
    except BatchNotFoundError:
        problems.append(f"the root {batch.root} is not anchored")
    else:
        if anchored.lab != cert.lab:
            problems.append(f"the batch was anchored by {anchored.lab}, not by {cert.lab}")
    if problems:
        run.fail(name, "; ".join(problems))
    else:
        run.ok(
            name,
            f"the leaf is proven under root {batch.root} ({len(batch.proof)} proof nodes), "
            f"anchored by {cert.lab}",
        )


def _data_root(
    run: _Run,
    cert: Certificate,
    bundle: CertificateBundle | None,
    readings: str | os.PathLike[str] | None,
    seed: bytes | str | None,
) -> None:
    name = "data_root"
    disclosed: list[ReadingProof] = list(bundle.readings) if bundle is not None else []
    if readings is None and not disclosed:
        run.skip(name, "no readings given")
        return
    if cert.data_root == ZERO_BYTES32:
        run.fail(name, "the certificate commits to no readings (its data root is zero)")
        return
    problems: list[str] = []
    facts: list[str] = []
    if readings is not None:
        path = Path(readings)
        try:
            if seed is not None:
                tree = ReadingsTree.from_file(path, seed=seed)
                if tree.root == cert.data_root:
                    facts.append(f"the {len(tree)} readings of {path.name} rebuild the data root")
                else:
                    problems.append(
                        f"the {len(tree)} readings of {path.name} give the data root {tree.root}, "
                        f"the certificate commits to {cert.data_root}"
                    )
            elif _is_json(path):
                disclosed.extend(_load_proofs(path))
            else:
                rows = load_readings(path)
                if not disclosed:
                    problems.append(
                        f"{path.name} can only be checked with the lab's salt seed "
                        "(readings_seed) or with disclosed reading proofs"
                    )
                for proof in disclosed:
                    if proof.index >= len(rows) or rows[proof.index] != proof.reading:
                        problems.append(
                            f"disclosed reading {proof.index} is not row {proof.index} "
                            f"of {path.name}"
                        )
        except InvalidInputError as exc:
            problems.append(str(exc))
    if disclosed:
        bad = [p.index for p in disclosed if not verify_reading(p, cert.data_root)]
        if bad:
            shown = ", ".join(str(i) for i in bad[:5]) + ("…" if len(bad) > 5 else "")
            problems.append(f"disclosed reading(s) {shown} are not under the data root")
        else:
            facts.append(f"{len(disclosed)} disclosed reading(s) are proven under the data root")
    if problems:
        run.fail(name, "; ".join(problems))
    else:
        run.ok(name, "; ".join(facts) + f" ({cert.data_root})")


def _is_json(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            head = file.read(64).lstrip()
    except OSError as exc:
        raise InvalidInputError(
            f"cannot read {path}: {exc.strerror or exc}", field="readings"
        ) from None
    return head.startswith((b"[", b"{"))


def _load_proofs(path: Path) -> list[ReadingProof]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{path.name}: not a JSON list of reading proofs ({exc})") from None
    items = data if isinstance(data, list) else [data]
    return [ReadingProof.from_json(json.dumps(item)) for item in items]


def _device_signature(run: _Run, cert: Certificate, bundle: CertificateBundle | None) -> None:
    name = "device_signature"
    signature = bundle.device_signature if bundle is not None else None
    if signature is None:
        note = (
            " (the chain records that the device attested the data root at issuance)"
            if cert.device_attested
            else ""
        )
        run.skip(name, "no device signature in the bundle" + note)
        return
    sig = bytes.fromhex(signature[2:])
    typed = data_attestation_typed_data(
        chain_id=run.chain_id,
        registry=run.registry,
        device_id=cert.device_id,
        data_root=cert.data_root,
    )
    try:
        device = run.reader.device(cert.device_id, block=run.block)
    except DeviceNotFoundError:
        run.fail(name, f"device {cert.device_id:#x} is not registered: no key to check against")
        return
    if signature_valid(run.reader, device.device_key, typed, sig, block=run.block):
        run.ok(name, f"the device key {device.device_key} signed the data root")
        return
    earlier: str | None = None
    if cert.block_number < run.block:
        try:
            earlier = run.reader.device(cert.device_id, block=cert.block_number).device_key
        except (ChainError, DeviceNotFoundError):
            earlier = None
    if (
        earlier is not None
        and earlier != device.device_key
        and signature_valid(run.reader, earlier, typed, sig, block=cert.block_number)
    ):
        run.ok(
            name,
            f"signed by {earlier}, the device key at issuance (rotated since to "
            f"{device.device_key})",
        )
        return
    recovered = recover_signer(typed, sig)
    by = f" (it was signed by {recovered})" if recovered else " (malformed signature)"
    run.fail(name, f"not a signature of the device key {device.device_key}{by}")


_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _recover_fast(typed: dict[str, Any], signature: bytes) -> str | None:
    """:func:`recover_signer` with coincurve (the ``fast`` extra) alone, for a well-formed
    low-s signature (``r || s || v``, v 27/28 or 0/1); None when it does not apply, so the caller
    asks eth-account (whose import costs ~0.4 s of a buyer's ``cert verify --bundle``)."""
    if len(signature) != 65:
        return None
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64] - 27 if signature[64] >= 27 else signature[64]
    if v not in (0, 1) or not 0 < r < _SECP256K1_N or not 0 < s <= _SECP256K1_N // 2:
        return None
    try:
        from coincurve import PublicKey
    except ImportError:
        return None
    from fabtrust.evidence._hashing import keccak256, to_checksum_address

    digest = bytes.fromhex(typed_data_digest(typed)[2:])
    try:
        key = PublicKey.from_signature_and_message(signature[:64] + bytes([v]), digest, hasher=None)
    except Exception:  # coincurve refuses it: let eth-account decide
        return None
    return to_checksum_address(keccak256(key.format(compressed=False)[1:])[-20:])


def recover_signer(typed: dict[str, Any], signature: bytes) -> str | None:
    """The address that made an ECDSA EIP-712 signature, or None when it is malformed."""
    fast = _recover_fast(typed, signature)
    if fast is not None:
        return fast
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    try:
        return str(
            Account.recover_message(encode_typed_data(full_message=typed), signature=signature)
        )
    except Exception:  # eth_keys/eth_account raise several unrelated types for bad signatures
        return None


def signature_valid(
    reader: Reader, signer: str, typed: dict[str, Any], signature: bytes, *, block: int
) -> bool:
    """Whether ``signature`` is ``signer``'s over ``typed``: ECDSA for an account without code,
    ERC-1271 ``isValidSignature`` for a contract (as OpenZeppelin's SignatureChecker)."""
    if reader.code_at(signer, block=block):
        from eth_abi.abi import encode

        digest = bytes.fromhex(typed_data_digest(typed)[2:])
        data = _ERC1271_MAGIC + encode(["bytes32", "bytes"], [digest, signature])
        result = reader.raw_call({"to": signer, "data": "0x" + data.hex()}, block=block)
        return len(result) >= 32 and result[:4] == _ERC1271_MAGIC
    return recover_signer(typed, signature) == signer
