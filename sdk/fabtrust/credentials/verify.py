"""Verifying a credential exported by fabtrust: the JWT, its JSON-LD shape, and its anchor on chain.

:func:`verify_credential` returns the same :class:`~fabtrust.certificates.Verdict` as
``CertificatesClient.verify_bundle`` (same check model and JSON shape): first the checks of
:data:`CREDENTIAL_CHECKS` on the credential itself, then every check of
:data:`~fabtrust.certificates.CHECK_NAMES`, made by the certificates verifier on the bundle the
credential's anchor and fields describe - so a field of the credential that differs from the
chain fails ``bundle_matches_chain`` (or ``batch_proof``), and a report or readings file that
differs from the credential's digests fails ``report_digest`` or ``data_root``.

Light module: chain access goes through the client its caller made.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fabtrust import _checks
from fabtrust.certificates import CHECK_NAMES, Check, Verdict
from fabtrust.credentials.dcc import CredentialAnchor, anchor_of
from fabtrust.credentials.envelope import jwt_from_document, read_jwt, verify_jwt
from fabtrust.credentials.status_list import decode_list, is_set
from fabtrust.errors import ChainError, InvalidInputError

if TYPE_CHECKING:
    from fabtrust.certificates import CertificateBundle
    from fabtrust.client import Fabtrust

__all__ = ["CREDENTIAL_CHECKS", "load_credential", "verify_credential"]

CREDENTIAL_CHECKS: tuple[str, ...] = tuple(check.name for check in _checks.CREDENTIAL_CHECKS)
"""The checks on the credential itself, made before (and named before) the chain checks."""

Source = str | os.PathLike[str] | dict[str, Any]


def load_credential(source: Source) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(jwt, protected header, payload) of an ``EnvelopedVerifiableCredential`` file or document
    (payload NOT verified). InvalidInputError: unreadable file, not JSON, not an enveloped
    credential, malformed JWT."""
    if isinstance(source, dict):
        document: Any = source
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInputError(
                f"cannot read {path}: {exc.strerror or exc}", field="credential"
            ) from None
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise InvalidInputError(
                f"{path.name} is not a JSON file (expected an EnvelopedVerifiableCredential)",
                field="credential",
            ) from None
    jwt = jwt_from_document(document)
    header, payload = read_jwt(jwt)
    return jwt, header, payload


def _schema_check(payload: dict[str, Any]) -> Check:
    import jsonschema  # type: ignore[import-untyped]

    from fabtrust.credentials.contexts import DCC_SCHEMA, dcc_schema

    validator = jsonschema.Draft202012Validator(dcc_schema())
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(root)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        message = " ".join(first.message.split())
        if len(message) > 200:
            message = message[:200] + "…"
        return Check(name="credential_schema", ok=False, detail=f"{where}: {message}{more}")
    return Check(name="credential_schema", ok=True, detail=f"valid against {DCC_SCHEMA}")


def _jsonld_check(payload: dict[str, Any]) -> Check:
    from fabtrust.credentials.contexts import expand

    try:
        expand(payload)
    except InvalidInputError as exc:
        return Check(name="credential_jsonld", ok=False, detail=str(exc))
    return Check(
        name="credential_jsonld",
        ok=True,
        detail="expands with the shipped contexts, every term defined (no network fetch)",
    )


def _bundle(anchor: CredentialAnchor) -> CertificateBundle:
    from fabtrust.certificates import BatchCertificate, BundleBatch, CertificateBundle
    from fabtrust.evidence.typed_data import CertificateResult

    result = CertificateResult.PASS if anchor.passed else CertificateResult.FAIL
    batch: BundleBatch | None = None
    if anchor.batch_root is not None and anchor.batch_proof is not None:
        batch = BundleBatch(
            root=anchor.batch_root,
            leaf=BatchCertificate(
                device_id=anchor.device_id,
                report_sha256=anchor.report_sha256,
                data_root=anchor.data_root,
                test_spec=anchor.test_spec,
                result=result,
                valid_until=anchor.valid_until,
            ),
            proof=anchor.batch_proof,
        )
    return CertificateBundle(
        chain_id=anchor.chain_id,
        registry=anchor.registry,
        cert_id=anchor.cert_id,
        device_id=anchor.device_id,
        lab=anchor.lab,
        report_sha256=anchor.report_sha256,
        data_root=anchor.data_root,
        test_spec=anchor.test_spec,
        result=result,
        valid_until=anchor.valid_until,
        batch=batch,
        tx_hash=anchor.tx_hash,
        block_number=anchor.block_number,
        device_signature=anchor.device_signature,
    )


def _status_check(
    anchor: CredentialAnchor | None, lists: Sequence[Source], issuer: str | None
) -> Check:
    name = "credential_status"
    if not lists:
        return Check(
            name=name,
            ok=True,
            skipped=True,
            detail="no status list given (revocation and supersession are read from the chain)",
        )
    if anchor is None:
        return Check(name=name, ok=True, skipped=True, detail="no anchor to look up")
    if not anchor.status:
        return Check(name=name, ok=False, detail="the credential references no status list")
    by_url: dict[str, dict[str, Any]] = {}
    for source in lists:
        jwt, _header, payload = load_credential(source)
        signature = verify_jwt(jwt)
        if not signature.ok:
            return Check(name=name, ok=False, detail=f"status list: {signature.detail}")
        if issuer is not None and signature.address != issuer:
            return Check(
                name=name,
                ok=False,
                detail=f"status list {payload.get('id')} is signed by {signature.address}, "
                f"not the credential's issuer {issuer}",
            )
        by_url[str(payload.get("id"))] = payload
    facts: list[str] = []
    problems: list[str] = []
    for entry in anchor.status:
        listed = by_url.get(entry.list_url)
        if listed is None:
            problems.append(f"no status list {entry.list_url} was given")
            continue
        subject = listed.get("credentialSubject") or {}
        if subject.get("statusPurpose") != entry.purpose:
            problems.append(f"{entry.list_url} is not a {entry.purpose} list")
            continue
        bits = decode_list(str(subject.get("encodedList")))
        if not is_set(bits, entry.index):
            facts.append(f"{entry.purpose} bit {entry.index} clear")
        elif entry.purpose == "refresh":
            successor = next(
                (
                    s.get("successor")
                    for s in subject.get("successors") or []
                    if str(s.get("statusListIndex")) == str(entry.index)
                ),
                None,
            )
            problems.append(f"superseded (refresh bit {entry.index}) by {successor or '?'}")
        else:
            problems.append(f"revoked ({entry.purpose} bit {entry.index} of {entry.list_url})")
    if problems:
        return Check(name=name, ok=False, detail="; ".join(problems))
    return Check(name=name, ok=True, detail="; ".join(facts))


def verify_credential(
    client: Fabtrust,
    credential: Source,
    *,
    report: str | bytes | os.PathLike[str] | None = None,
    readings: str | os.PathLike[str] | None = None,
    readings_seed: bytes | str | None = None,
    status_lists: Sequence[Source] = (),
) -> Verdict:
    """Verify an exported credential (a file or the parsed ``EnvelopedVerifiableCredential``).

    Checks :data:`CREDENTIAL_CHECKS` then :data:`~fabtrust.certificates.CHECK_NAMES`; never
    raises for a credential that does not check out. ``report``/``readings``/``readings_seed``
    as in ``verify_bundle``; ``status_lists``: the lab's status list credentials (files or
    documents) to look the credential's entries up in.

    Raises InvalidInputError for an unreadable, non-JSON or malformed input, ChainError when the
    node fails or when a validly signed credential is anchored on another chain.
    """
    jwt, header, payload = load_credential(credential)
    checks: list[Check] = []
    signature = verify_jwt(jwt)
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    signed_ok = signature.ok
    detail = signature.detail
    if signed_ok and signature.address is not None:
        kid = str(header.get("kid", "")).split("#", 1)[0]
        if issuer_id != kid:
            signed_ok = False
            detail = f"signed by {kid}, but the credential's issuer is {issuer_id}"
    checks.append(Check(name="credential_signature", ok=signed_ok, detail=detail))
    checks.append(_schema_check(payload))
    checks.append(_jsonld_check(payload))
    anchor: CredentialAnchor | None = None
    bundle: CertificateBundle | None = None
    connected = client.chain.connection.chain_id
    try:
        anchor = anchor_of(payload)
        bundle = _bundle(anchor)
    except InvalidInputError as exc:
        checks.append(Check(name="credential_anchor", ok=False, detail=str(exc)))
    else:
        if anchor.chain_id != connected:
            if signed_ok:
                raise ChainError(
                    f"the credential is anchored on chain {anchor.chain_id}; connected to chain "
                    f"{connected}: verify it with that chain's RPC URL"
                )
            checks.append(
                Check(
                    name="credential_anchor",
                    ok=False,
                    detail=f"anchored on chain {anchor.chain_id} (connected to {connected})",
                )
            )
            bundle = None
        else:
            what = f"batch {anchor.batch_root}, " if anchor.batch_root else ""
            checks.append(
                Check(
                    name="credential_anchor",
                    ok=True,
                    detail=f"certificate {anchor.cert_id} ({what}tx {anchor.tx_hash}, block "
                    f"{anchor.block_number}) on chain {anchor.chain_id}",
                )
            )
    issuer_address = signature.address if signature.ok else None
    checks.append(_status_check(anchor, status_lists, issuer_address))
    if bundle is not None:
        inner = client.certificates.verify_bundle(
            bundle=bundle, report=report, readings=readings, readings_seed=readings_seed
        )
        for check in inner.checks:
            if check.name == "bundle_matches_chain":
                check = check.model_copy(
                    update={"detail": check.detail.replace("bundle", "credential")}
                )
            checks.append(check)
        return Verdict(
            verified=all(c.ok for c in checks),
            chain_id=inner.chain_id,
            registry=inner.registry,
            block_number=inner.block_number,
            block_time=inner.block_time,
            cert_id=inner.cert_id,
            certificate=inner.certificate,
            checks=tuple(checks),
            cast_call=inner.cast_call,
        )
    for name in CHECK_NAMES:
        checks.append(Check(name=name, ok=True, skipped=True, detail="no anchor to check against"))
    block = client.chain.connection.block_number()
    return Verdict(
        verified=False,
        chain_id=connected,
        registry=client.certificates.registry,
        block_number=block,
        block_time=_block_time(client, block),
        cert_id=anchor.cert_id if anchor is not None else None,
        checks=tuple(checks),
    )


def _block_time(client: Fabtrust, number: int) -> datetime:
    w3 = client.chain.w3
    stamp = client.chain.rpc(lambda: w3.eth.get_block(number)["timestamp"], "eth_getBlockByNumber")
    return datetime.fromtimestamp(int(stamp), tz=timezone.utc)
