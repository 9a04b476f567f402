"""Issuing and reading certificates: issue, get, is_valid, has_valid_pass, latest_pass, supersede,
revoke, device attestation, accreditation."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from certs_helpers import DAY, SPEC, YEAR, ZERO32, World, rand32

from fabtrust.accounts import Signer
from fabtrust.certificates import Certificate, CertificatesClient, PassRef
from fabtrust.certificates.errors import (
    CannotSupersedeError,
    CertificateNotFoundError,
    InvalidDeviceSignatureError,
    LabNotAccreditedError,
)
from fabtrust.errors import AccountError, InvalidInputError
from fabtrust.evidence import CertificateResult, cert_id_of, sha256_file, test_spec_id

LAB = Signer.dev(2).address


def test_issue_then_get_merges_record_and_event(
    world: World, lab: CertificatesClient, device_id: int, report: Path
) -> None:
    data_root = rand32()
    valid_until = world.now() + YEAR
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=data_root,
        test_spec=SPEC,
        passed=True,
        valid_until=valid_until,
    )
    digest = sha256_file(report)
    assert issued.cert_id == cert_id_of(LAB, device_id, digest)
    assert issued.device_id == device_id and issued.lab == LAB
    assert issued.report_sha256 == digest
    assert issued.tx.event("CertificateIssued")["certId"] == issued.cert_id

    cert = world.readonly().get(cert_id=issued.cert_id)
    assert isinstance(cert, Certificate)
    assert cert.cert_id == issued.cert_id
    assert cert.device_id == device_id
    assert cert.lab == LAB
    assert cert.lab_name == "Hydraulics Test Centre"
    assert cert.report_sha256 == digest
    assert cert.data_root == data_root
    assert cert.test_spec == test_spec_id(SPEC)
    assert cert.result is CertificateResult.PASS and cert.passed
    assert cert.valid_until == datetime.fromtimestamp(valid_until, tz=timezone.utc)
    block = world.connection.w3.eth.get_block(issued.tx.block_number)
    assert cert.issued_at == datetime.fromtimestamp(block["timestamp"], tz=timezone.utc)
    assert not cert.revoked and cert.revocation_reason is None and cert.revoked_by is None
    assert cert.superseded_by is None and cert.supersedes is None
    assert not cert.device_attested and cert.batch_root is None
    assert cert.tx_hash == issued.tx.tx_hash
    assert cert.block_number == issued.tx.block_number
    with pytest.raises(dataclasses.FrozenInstanceError):
        cert.revoked = True  # type: ignore[misc]


def test_issue_accepts_digest_spec_id_and_datetime(
    world: World, lab: CertificatesClient, device_id: int, report: Path
) -> None:
    digest = sha256_file(report)
    until = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=30)
    issued = lab.issue(
        device_id=device_id,
        report=digest.upper().replace("0X", ""),  # bare upper-case hex digest
        data_root=bytes(32),
        test_spec=bytes.fromhex(test_spec_id(SPEC)[2:]),
        passed=False,
        valid_until=until,
    )
    cert = lab.get(cert_id=issued.cert_id)
    assert cert.report_sha256 == digest
    assert cert.test_spec == test_spec_id(SPEC)
    assert cert.result is CertificateResult.FAIL and not cert.passed
    assert cert.valid_until == until
    assert cert.data_root == ZERO32
    # A Fail certificate is valid (it is a true statement) but is no Pass.
    assert lab.is_valid(cert_id=issued.cert_id)
    assert not lab.has_valid_pass(device_id=device_id, test_spec=SPEC)
    assert lab.valid_pass_refs(device_id=device_id, test_spec=SPEC) == []


def test_is_valid_has_valid_pass_and_valid_pass_refs(
    world: World, lab: CertificatesClient, device_id: int, report: Path
) -> None:
    unknown = rand32()
    assert not lab.is_valid(cert_id=unknown)
    assert not lab.has_valid_pass(device_id=device_id, test_spec=SPEC)
    data_root = rand32()
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=data_root,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
    )
    assert lab.is_valid(cert_id=issued.cert_id)
    assert lab.has_valid_pass(device_id=device_id, test_spec=SPEC)
    assert lab.has_valid_pass(device_id=device_id, test_spec=test_spec_id(SPEC))
    assert not lab.has_valid_pass(device_id=device_id, test_spec="another spec")
    refs = lab.valid_pass_refs(device_id=device_id, test_spec=SPEC)
    assert refs == [PassRef(cert_id=issued.cert_id, data_root=data_root)]
    # Only labs named in `labs` count (an order's pinned labs).
    assert lab.valid_pass_refs(device_id=device_id, test_spec=SPEC, labs=[LAB]) == refs
    assert lab.valid_pass_refs(device_id=device_id, test_spec=SPEC, labs=["0x" + "00" * 20]) == []


def test_expired_certificate_after_time_travel(
    world: World, lab: CertificatesClient, device_id: int, report: Path
) -> None:
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=rand32(),
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + 10 * DAY,
    )
    assert lab.is_valid(cert_id=issued.cert_id)
    world.travel(11 * DAY)
    assert not lab.is_valid(cert_id=issued.cert_id)
    assert not lab.has_valid_pass(device_id=device_id, test_spec=SPEC)
    cert = lab.get(cert_id=issued.cert_id)
    assert cert.is_expired(datetime.fromtimestamp(world.now(), tz=timezone.utc))
    assert not cert.revoked


def test_revoke_with_reason(
    world: World, lab: CertificatesClient, admin: CertificatesClient, device_id: int, report: Path
) -> None:
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=rand32(),
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
    )
    tx = lab.revoke(cert_id=issued.cert_id, reason="sensor P2 out of calibration")
    event = tx.event("CertificateRevoked")
    assert event["certId"] == issued.cert_id and event["revokedBy"] == LAB
    cert = lab.get(cert_id=issued.cert_id)
    assert cert.revoked
    assert cert.revocation_reason == "sensor P2 out of calibration"
    assert cert.revoked_by == LAB
    assert not lab.is_valid(cert_id=issued.cert_id)
    assert not lab.has_valid_pass(device_id=device_id, test_spec=SPEC)


def test_admin_may_revoke_any_certificate(
    world: World, lab: CertificatesClient, admin: CertificatesClient, device_id: int, report: Path
) -> None:
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=rand32(),
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
    )
    admin.revoke(cert_id=issued.cert_id, reason="fraud investigation")
    cert = admin.get(cert_id=issued.cert_id)
    assert cert.revoked_by == Signer.dev(0).address
    assert cert.revocation_reason == "fraud investigation"


def test_superseded_chain(
    world: World, lab: CertificatesClient, device_id: int, new_report: Callable[[str], Path]
) -> None:
    until = world.now() + YEAR
    first = lab.issue(
        device_id=device_id,
        report=new_report("r1.pdf"),
        data_root=rand32(),
        test_spec=SPEC,
        passed=True,
        valid_until=until,
    )
    second = lab.issue(
        device_id=device_id,
        report=new_report("r2.pdf"),
        data_root=rand32(),
        test_spec=SPEC,
        passed=True,
        valid_until=until,
        supersedes=first.cert_id,
    )
    superseded = second.tx.event("CertificateSuperseded")
    assert superseded["certId"] == first.cert_id and superseded["successor"] == second.cert_id
    third = lab.issue(
        device_id=device_id,
        report=new_report("r3.pdf"),
        data_root=rand32(),
        test_spec=SPEC,
        passed=True,
        valid_until=until,
        supersedes=second.cert_id,
    )
    c1, c2, c3 = (lab.get(cert_id=i.cert_id) for i in (first, second, third))
    assert c1.superseded_by == second.cert_id and c1.superseded
    assert c2.supersedes == first.cert_id and c2.superseded_by == third.cert_id
    assert c3.supersedes == second.cert_id and c3.superseded_by is None
    assert [lab.is_valid(cert_id=c.cert_id) for c in (c1, c2, c3)] == [False, False, True]
    refs = lab.valid_pass_refs(device_id=device_id, test_spec=SPEC)
    assert [r.cert_id for r in refs] == [third.cert_id]
    # A superseded certificate cannot be superseded again.
    with pytest.raises(CannotSupersedeError) as info:
        lab.issue(
            device_id=device_id,
            report=new_report("r4.pdf"),
            data_root=rand32(),
            test_spec=SPEC,
            passed=True,
            valid_until=until,
            supersedes=first.cert_id,
        )
    assert info.value.cert_id == bytes.fromhex(first.cert_id[2:])


def test_device_attested_issue(world: World, lab: CertificatesClient, report: Path) -> None:
    device_id, key = world.register_device("HM-ATTEST")
    data_root = rand32()
    signature = lab.sign_data_attestation(device=key, device_id=device_id, data_root=data_root)
    assert signature.startswith("0x") and len(signature) == 2 + 130
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=data_root,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
        device_signature=signature,
    )
    cert = lab.get(cert_id=issued.cert_id)
    assert cert.device_attested
    assert cert.device_signature == signature.lower()
    assert issued.tx.event("CertificateIssued")["deviceSignature"] == signature.lower()

    # The same signature over another data root is refused by the contract.
    with pytest.raises(InvalidDeviceSignatureError) as info:
        lab.issue(
            device_id=device_id,
            report=sha256_file(report)[:-4] + "beef",
            data_root=rand32(),
            test_spec=SPEC,
            passed=True,
            valid_until=world.now() + YEAR,
            device_signature=signature,
        )
    assert info.value.device_id == device_id


def test_accreditation_lifecycle(world: World, admin: CertificatesClient) -> None:
    newcomer = Signer.dev(5).address
    record = admin.accreditation(lab=newcomer)
    assert record.lab_id == 0 and not record.active and not record.accredited
    assert record.name == "" and record.valid_until is None and record.accredited_at is None

    until = world.now() + YEAR
    tx = admin.accredit_lab(lab=newcomer, name="Bench Lab Nord", valid_until=until)
    assert tx.event("LabAccredited")["lab"] == newcomer
    record = admin.accreditation(lab=newcomer.lower())
    assert record.lab == newcomer
    assert record.lab_id == 2  # dev:2 was the first lab
    assert record.active and record.accredited
    assert record.name == "Bench Lab Nord"
    assert record.valid_until == datetime.fromtimestamp(until, tz=timezone.utc)
    assert record.accredited_at is not None

    admin.revoke_accreditation(lab=newcomer)
    record = admin.accreditation(lab=newcomer)
    assert record.lab_id == 2 and not record.active and not record.accredited
    # Re-accreditation keeps the lab id.
    admin.accredit_lab(lab=newcomer, name="Bench Lab Nord II", valid_until=until)
    record = admin.accreditation(lab=newcomer)
    assert record.lab_id == 2 and record.accredited and record.name == "Bench Lab Nord II"


def test_expired_accreditation_stops_issuing(
    world: World, admin: CertificatesClient, device_id: int, report: Path
) -> None:
    newcomer = world.certs(5)
    admin.accredit_lab(lab=Signer.dev(5).address, name="Short Lab", valid_until=world.now() + DAY)
    world.travel(2 * DAY)
    record = admin.accreditation(lab=Signer.dev(5).address)
    assert record.active and not record.accredited
    with pytest.raises(LabNotAccreditedError) as info:
        newcomer.issue(
            device_id=device_id,
            report=report,
            data_root=ZERO32,
            test_spec=SPEC,
            passed=True,
            valid_until=world.now() + YEAR,
        )
    assert info.value.lab == Signer.dev(5).address


def test_revoked_lab_certificates_become_invalid(
    world: World, admin: CertificatesClient, lab: CertificatesClient, device_id: int, report: Path
) -> None:
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=ZERO32,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
    )
    world.travel(1)
    tx = admin.revoke_accreditation(lab=LAB)
    # Issue 10: revoking a lab invalidates what it issued up to then.
    assert not lab.is_valid(cert_id=issued.cert_id)
    assert lab.valid_pass_refs(device_id=device_id, test_spec=SPEC) == []
    revoked_at = admin.accreditation(lab=LAB).revoked_at
    block = world.connection.w3.eth.get_block(tx.block_number)
    assert revoked_at is not None and int(revoked_at.timestamp()) == block["timestamp"]
    # ... the lab cannot issue any more, and can still revoke its own certificates.
    with pytest.raises(LabNotAccreditedError):
        lab.issue(
            device_id=device_id,
            report=rand32(),
            data_root=ZERO32,
            test_spec=SPEC,
            passed=True,
            valid_until=world.now() + YEAR,
        )
    tx = lab.revoke(cert_id=issued.cert_id, reason="lab closed")
    assert tx.event("CertificateRevoked")["certId"] == issued.cert_id
    assert lab.get(cert_id=issued.cert_id).revoked


def test_get_unknown_certificate(lab: CertificatesClient) -> None:
    unknown = rand32()
    with pytest.raises(CertificateNotFoundError) as info:
        lab.get(cert_id=unknown)
    assert info.value.cert_id == bytes.fromhex(unknown[2:])


def test_read_only_client_cannot_send(world: World, device_id: int, report: Path) -> None:
    reader = world.readonly()
    with pytest.raises(AccountError):
        reader.issue(
            device_id=device_id,
            report=report,
            data_root=ZERO32,
            test_spec=SPEC,
            passed=True,
            valid_until=world.now() + YEAR,
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"device_id": -1}, "device_id"),
        ({"device_id": "12"}, "device_id"),
        ({"device_id": 2**256}, "device_id"),
        ({"report": "/no/such/report.pdf"}, "report"),
        ({"report": b"\x01" * 31}, "report"),
        ({"report": 42}, "report"),
        ({"data_root": "0x1234"}, "data_root"),
        ({"data_root": "zz" * 32}, "data_root"),
        ({"test_spec": ""}, "test_spec"),
        ({"test_spec": 7}, "test_spec"),
        ({"passed": 1}, "passed"),
        ({"valid_until": -5}, "valid_until"),
        ({"valid_until": 2**64}, "valid_until"),
        ({"valid_until": datetime(2030, 1, 1)}, "valid_until"),  # naive
        ({"supersedes": "0x12"}, "supersedes"),
        ({"device_signature": "0xnothex"}, "device_signature"),
        ({"device_signature": b""}, "device_signature"),
    ],
)
def test_issue_input_validation(
    world: World,
    lab: CertificatesClient,
    device_id: int,
    report: Path,
    changes: dict[str, object],
    field: str,
) -> None:
    kwargs: dict[str, object] = {
        "device_id": device_id,
        "report": report,
        "data_root": ZERO32,
        "test_spec": SPEC,
        "passed": True,
        "valid_until": world.now() + YEAR,
    }
    kwargs.update(changes)
    before = world.block()
    with pytest.raises(InvalidInputError) as info:
        lab.issue(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
    assert world.block() == before  # nothing was sent


def test_address_and_reason_validation(admin: CertificatesClient) -> None:
    with pytest.raises(InvalidInputError) as info:
        admin.accredit_lab(lab="0x1234", name="x", valid_until=2**40)
    assert info.value.field == "lab"
    with pytest.raises(InvalidInputError) as info:
        # wrong EIP-55 checksum (mixed case)
        admin.accreditation(lab="0x70997970c51812dc3A010C7d01b50e0d17dc79C8")
    assert info.value.field == "lab"
    with pytest.raises(InvalidInputError) as info:
        admin.revoke(cert_id=rand32(), reason=None)  # type: ignore[arg-type]
    assert info.value.field == "reason"
    with pytest.raises(InvalidInputError) as info:
        admin.get(cert_id="0xabc")
    assert info.value.field == "cert_id"
