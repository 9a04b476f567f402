"""EIP-712 signed issuance: the lab signs, anyone (here the manufacturer) submits."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from certs_helpers import SPEC, YEAR, ZERO32, World, rand32

from fabtrust.accounts import Signer
from fabtrust.certificates import CertificatesClient, SignedIssueRequest
from fabtrust.certificates.errors import CertificateAlreadyExistsError
from fabtrust.errors import InvalidInputError
from fabtrust.evidence import (
    CertificateResult,
    cert_id_of,
    issue_certificate_typed_data,
    sha256_file,
    test_spec_id,
    typed_data_digest,
)

LAB = Signer.dev(2).address
MANUFACTURER = Signer.dev(1).address


def test_signed_request_submitted_by_another_account(
    world: World, lab: CertificatesClient, device_id: int, report: Path, tmp_path: Path
) -> None:
    before = world.block()
    data_root = rand32()
    valid_until = world.now() + YEAR
    request = lab.sign_issue_request(
        device_id=device_id,
        report=report,
        data_root=data_root,
        test_spec=SPEC,
        passed=True,
        valid_until=valid_until,
        deadline=world.now() + 3600,
    )
    assert world.block() == before  # signing sends nothing
    assert request.lab == LAB
    assert request.chain_id == world.connection.chain_id
    assert request.registry == world.registry
    assert request.report_sha256 == sha256_file(report)
    assert request.test_spec == test_spec_id(SPEC)
    assert request.result is CertificateResult.PASS
    assert request.supersedes is None and request.device_signature is None
    assert request.cert_id == cert_id_of(LAB, device_id, sha256_file(report))

    # The lab hands the request over as a file; the manufacturer submits it and pays the gas.
    path = request.save(tmp_path / "request.json")
    data = json.loads(path.read_text())
    assert data["device_id"] == str(device_id)  # uint256 as a decimal string in JSON
    received = SignedIssueRequest.load(path)
    assert received == request

    manufacturer = world.certs(1)
    issued = manufacturer.submit_signed(request=received)
    assert issued.cert_id == request.cert_id
    assert issued.lab == LAB  # the lab is the issuer, not the submitter
    cert = manufacturer.get(cert_id=issued.cert_id)
    assert cert.lab == LAB and cert.lab_name == "Hydraulics Test Centre"
    assert cert.data_root == data_root
    assert cert.valid_until == datetime.fromtimestamp(valid_until, tz=timezone.utc)
    tx = world.connection.w3.eth.get_transaction(issued.tx.tx_hash)  # type: ignore[arg-type]
    assert tx["from"] == MANUFACTURER

    # A replay fails: the certificate id is taken.
    with pytest.raises(CertificateAlreadyExistsError):
        world.certs(3).submit_signed(request=received)


def test_signature_matches_the_contracts_digest(
    world: World, lab: CertificatesClient, device_id: int
) -> None:
    request = lab.sign_issue_request(
        device_id=device_id,
        report=rand32(),
        data_root=rand32(),
        test_spec=SPEC,
        passed=False,
        valid_until=world.now() + YEAR,
        deadline=world.now() + 600,
        supersedes=rand32(),
        device_signature="0x" + "ab" * 65,
    )
    req = (
        request.device_id,
        bytes.fromhex(request.report_sha256[2:]),
        bytes.fromhex(request.data_root[2:]),
        bytes.fromhex(request.test_spec[2:]),
        int(request.result),
        request.valid_until,
        bytes.fromhex(request.supersedes[2:]),  # type: ignore[index]
        bytes(32),  # supersedesReport: a witness the contract checks, not signed
        bytes.fromhex(request.device_signature[2:]),  # type: ignore[index]
    )
    on_chain = world.binding(0).call(
        "CertificateRegistry", "hashIssueRequest", req, request.lab, request.deadline
    )
    typed = issue_certificate_typed_data(
        chain_id=request.chain_id,
        registry=request.registry,
        lab=request.lab,
        device_id=request.device_id,
        report_sha256=request.report_sha256,
        data_root=request.data_root,
        test_spec=request.test_spec,
        result=int(request.result),
        valid_until=request.valid_until,
        supersedes=request.supersedes,  # type: ignore[arg-type]
        device_signature=request.device_signature,  # type: ignore[arg-type]
        deadline=request.deadline,
    )
    assert "0x" + bytes(on_chain).hex() == typed_data_digest(typed)


def test_signed_supersede_with_device_attestation(world: World, lab: CertificatesClient) -> None:
    device_id, key = world.register_device("HM-SIGNED")
    first = lab.issue(
        device_id=device_id,
        report=rand32(),
        data_root=ZERO32,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
    )
    data_root = rand32()
    attestation = lab.sign_data_attestation(device=key, device_id=device_id, data_root=data_root)
    request = lab.sign_issue_request(
        device_id=device_id,
        report=rand32(),
        data_root=data_root,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
        deadline=datetime.fromtimestamp(world.now() + 600, tz=timezone.utc),
        supersedes=first.cert_id,
        device_signature=attestation,
    )
    assert request.device_signature == attestation
    issued = world.certs(4).submit_signed(request=SignedIssueRequest.from_json(request.to_json()))
    cert = lab.get(cert_id=issued.cert_id)
    assert cert.device_attested and cert.supersedes == first.cert_id
    assert lab.get(cert_id=first.cert_id).superseded_by == issued.cert_id


def test_submit_checks_the_chain_and_registry(
    world: World, lab: CertificatesClient, device_id: int
) -> None:
    request = lab.sign_issue_request(
        device_id=device_id,
        report=rand32(),
        data_root=ZERO32,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
        deadline=world.now() + 600,
    )
    before = world.block()
    with pytest.raises(InvalidInputError) as info:
        lab.submit_signed(request=request.model_copy(update={"chain_id": 1}))
    assert info.value.field == "request.chain_id"
    with pytest.raises(InvalidInputError) as info:
        lab.submit_signed(request=request.model_copy(update={"registry": MANUFACTURER}))
    assert info.value.field == "request.registry"
    with pytest.raises(InvalidInputError) as info:
        lab.submit_signed(request=request.model_dump())  # type: ignore[arg-type]
    assert info.value.field == "request"
    assert world.block() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("signature", "0xzz"),
        ("lab", "0x1234"),
        ("report_sha256", "0x12"),
        ("result", 3),
        ("schema_version", 2),
        ("device_id", "-1"),
        ("chain_id", 0),
    ],
)
def test_request_json_is_validated(
    world: World, lab: CertificatesClient, device_id: int, field: str, value: object
) -> None:
    request = lab.sign_issue_request(
        device_id=device_id,
        report=rand32(),
        data_root=ZERO32,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
        deadline=world.now() + 600,
    )
    data = json.loads(request.to_json())
    data[field] = value
    with pytest.raises(InvalidInputError) as info:
        SignedIssueRequest.from_json(json.dumps(data))
    assert info.value.field == field
    with pytest.raises(InvalidInputError) as info:
        SignedIssueRequest.from_json("{not json")
    with pytest.raises(InvalidInputError) as info:
        SignedIssueRequest.load(world.tmp / "missing.json")
    assert info.value.field == "path"
