"""Every CertificateRegistry custom error reaches the caller as its own exception class, with the
decoded arguments, through the certificates API (or, where the typed API cannot express the bad
call, through the binding)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from certs_helpers import DAY, SPEC, YEAR, ZERO32, World, rand32
from eth_utils.crypto import keccak

from fabtrust.accounts import Signer
from fabtrust.certificates import BatchCertificate, CertificatesClient, errors
from fabtrust.certificates.errors import (
    BatchAlreadyAnchoredError,
    BatchAlreadyRevokedError,
    BatchNotFoundError,
    CannotSupersedeError,
    CertificateAlreadyExistsError,
    CertificateAlreadyRevokedError,
    CertificateNotFoundError,
    DeviceNotFoundError,
    InvalidAccreditationExpiryError,
    InvalidBatchProofError,
    InvalidDeviceSignatureError,
    InvalidLabSignatureError,
    InvalidResultError,
    InvalidValidityError,
    LabNotAccreditedError,
    NotBatchIssuerError,
    NotCertificateIssuerError,
    SignatureExpiredError,
    ZeroAdminError,
    ZeroBatchCountError,
    ZeroBatchRootError,
    ZeroDeviceRegistryError,
    ZeroLabError,
    ZeroReportDigestError,
)
from fabtrust.chain import decode_revert
from fabtrust.errors import (
    AccessControlUnauthorizedAccountError,
    ContractError,
    TransactionRevertedError,
)

LAB = Signer.dev(2).address
BUYER = Signer.dev(3).address
ZERO_ADDRESS = "0x" + "00" * 20


def b32(hex_value: str) -> bytes:
    return bytes.fromhex(hex_value[2:])


def registry_abi() -> list[dict[str, Any]]:
    text = resources.files("fabtrust").joinpath("abi", "CertificateRegistry.json").read_text()
    abi: list[dict[str, Any]] = json.loads(text)["abi"]
    return abi


OZ_ONLY = {"AccessControlBadConfirmation", "AccessControlUnauthorizedAccount"}
OZ_SHORT_STRINGS = {"InvalidShortString", "StringTooLong"}  # EIP712's constant name: unreachable


def test_every_registry_error_has_an_exported_class_with_the_abi_selector() -> None:
    for entry in registry_abi():
        if entry["type"] != "error" or entry["name"] in OZ_ONLY | OZ_SHORT_STRINGS:
            continue
        cls = getattr(errors, entry["name"] + "Error")
        types = ",".join(i["type"] for i in entry["inputs"])
        selector = "0x" + keccak(text=f"{entry['name']}({types})")[:4].hex()
        assert selector == cls.SELECTOR, entry["name"]
        assert [abi for abi, _, _ in cls.INPUTS] == [i["name"] for i in entry["inputs"]]
        assert issubclass(cls, ContractError) and issubclass(cls, TransactionRevertedError)
        # Revert data of this error decodes to exactly this class.
        assert type(decode_revert(selector + "00" * 32 * len(entry["inputs"]))) is cls
    classes = [name for name in errors.__all__ if name.endswith("Error")]
    assert sorted(classes) == classes


# --------------------------------------------------------------------------------------------------
# one test per error, through the API


def _issue(client: CertificatesClient, world: World, device_id: int, **changes: Any) -> Any:
    kwargs: dict[str, Any] = {
        "device_id": device_id,
        "report": rand32(),
        "data_root": ZERO32,
        "test_spec": SPEC,
        "passed": True,
        "valid_until": world.now() + YEAR,
    }
    kwargs.update(changes)
    return client.issue(**kwargs)


def test_zero_lab(admin: CertificatesClient) -> None:
    with pytest.raises(ZeroLabError) as info:
        admin.accredit_lab(lab=ZERO_ADDRESS, name="nobody", valid_until=2**40)
    assert info.value.arguments == {}
    assert info.value.tx_hash is None  # caught in simulation, nothing mined


def test_invalid_accreditation_expiry(world: World, admin: CertificatesClient) -> None:
    past = world.now() - 1
    with pytest.raises(InvalidAccreditationExpiryError) as info:
        admin.accredit_lab(lab=BUYER, name="late", valid_until=past)
    assert info.value.valid_until == past
    assert info.value.arguments == {"validUntil": past}


def test_accreditation_needs_the_admin_role(world: World, buyer: CertificatesClient) -> None:
    with pytest.raises(AccessControlUnauthorizedAccountError) as info:
        buyer.accredit_lab(lab=BUYER, name="self", valid_until=world.now() + YEAR)
    assert info.value.account == BUYER
    assert info.value.needed_role == bytes(32)  # DEFAULT_ADMIN_ROLE


def test_lab_not_accredited_on_issue_and_revoke_accreditation(
    world: World, buyer: CertificatesClient, admin: CertificatesClient, device_id: int
) -> None:
    with pytest.raises(LabNotAccreditedError) as info:
        _issue(buyer, world, device_id)
    assert info.value.lab == BUYER
    with pytest.raises(LabNotAccreditedError) as info:
        admin.revoke_accreditation(lab=BUYER)
    assert info.value.lab == BUYER


def test_invalid_result(world: World, device_id: int) -> None:
    # passed=True/False cannot express result 3: send the raw call through the binding.
    with pytest.raises(InvalidResultError) as info:
        world.binding(2).transact(
            "CertificateRegistry",
            "issueCertificate",
            device_id,
            b32(rand32()),
            bytes(32),
            bytes(32),
            3,
            world.now() + YEAR,
        )
    assert info.value.result == 3


def test_invalid_validity(world: World, lab: CertificatesClient, device_id: int) -> None:
    past = world.now() - 10
    with pytest.raises(InvalidValidityError) as info:
        _issue(lab, world, device_id, valid_until=past)
    assert info.value.valid_until == past
    too_far = 2**40 + 1
    with pytest.raises(InvalidValidityError) as info:
        _issue(lab, world, device_id, valid_until=too_far)
    assert info.value.valid_until == too_far


def test_zero_report_digest(world: World, lab: CertificatesClient, device_id: int) -> None:
    with pytest.raises(ZeroReportDigestError):
        _issue(lab, world, device_id, report=ZERO32)


def test_device_not_found(world: World, lab: CertificatesClient) -> None:
    with pytest.raises(DeviceNotFoundError) as info:
        _issue(lab, world, 12345)
    assert info.value.device_id == 12345


def test_certificate_already_exists(
    world: World, lab: CertificatesClient, device_id: int, report: Path
) -> None:
    first = _issue(lab, world, device_id, report=report)
    with pytest.raises(CertificateAlreadyExistsError) as info:
        _issue(lab, world, device_id, report=report, passed=False)
    assert info.value.cert_id == b32(first.cert_id)


def test_certificate_not_found_on_get_and_revoke(lab: CertificatesClient) -> None:
    unknown = rand32()
    with pytest.raises(CertificateNotFoundError) as info:
        lab.revoke(cert_id=unknown, reason="?")
    assert info.value.cert_id == b32(unknown)
    with pytest.raises(CertificateNotFoundError):
        lab.get(cert_id=unknown)


def test_certificate_already_revoked(world: World, lab: CertificatesClient, device_id: int) -> None:
    issued = _issue(lab, world, device_id)
    lab.revoke(cert_id=issued.cert_id, reason="first")
    with pytest.raises(CertificateAlreadyRevokedError) as info:
        lab.revoke(cert_id=issued.cert_id, reason="second")
    assert info.value.cert_id == b32(issued.cert_id)


def test_not_certificate_issuer(
    world: World, lab: CertificatesClient, buyer: CertificatesClient, device_id: int
) -> None:
    issued = _issue(lab, world, device_id)
    with pytest.raises(NotCertificateIssuerError) as info:
        buyer.revoke(cert_id=issued.cert_id, reason="I don't like it")
    assert info.value.cert_id == b32(issued.cert_id)
    assert info.value.caller == BUYER


def test_cannot_supersede_unknown_or_foreign(
    world: World, lab: CertificatesClient, admin: CertificatesClient, device_id: int
) -> None:
    unknown = rand32()
    with pytest.raises(CannotSupersedeError) as info:
        _issue(lab, world, device_id, supersedes=unknown)
    assert info.value.cert_id == b32(unknown)
    # Another device's certificate cannot be superseded.
    other_device = world.register_device("HM-OTHER")[0]
    other = _issue(lab, world, other_device)
    with pytest.raises(CannotSupersedeError) as info:
        _issue(lab, world, device_id, supersedes=other.cert_id)
    assert info.value.cert_id == b32(other.cert_id)
    # Nor another lab's.
    admin.accredit_lab(lab=Signer.dev(5).address, name="Lab 5", valid_until=world.now() + YEAR)
    foreign = _issue(world.certs(5), world, device_id)
    with pytest.raises(CannotSupersedeError):
        _issue(lab, world, device_id, supersedes=foreign.cert_id)


def test_invalid_device_signature(world: World, lab: CertificatesClient) -> None:
    device_id, _key = world.register_device("HM-SIG")
    data_root = rand32()
    impostor = Signer.generate()
    signature = lab.sign_data_attestation(device=impostor, device_id=device_id, data_root=data_root)
    with pytest.raises(InvalidDeviceSignatureError) as info:
        _issue(lab, world, device_id, data_root=data_root, device_signature=signature)
    assert info.value.device_id == device_id


def test_signature_expired_and_invalid_lab_signature(
    world: World, lab: CertificatesClient, buyer: CertificatesClient, device_id: int
) -> None:
    deadline = world.now() + 60
    request = lab.sign_issue_request(
        device_id=device_id,
        report=rand32(),
        data_root=ZERO32,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
        deadline=deadline,
    )
    # Signed by someone else than the lab it names.
    forged = request.model_copy(update={"lab": BUYER})
    with pytest.raises(InvalidLabSignatureError) as info:
        buyer.submit_signed(request=forged)
    assert info.value.lab == BUYER
    # A changed field invalidates the lab's signature.
    tampered = request.model_copy(update={"valid_until": request.valid_until + 1})
    with pytest.raises(InvalidLabSignatureError) as info:
        buyer.submit_signed(request=tampered)
    assert info.value.lab == LAB
    world.travel(120)
    with pytest.raises(SignatureExpiredError) as info:
        buyer.submit_signed(request=request)
    assert info.value.deadline == deadline


def test_zero_batch_root_and_count(world: World) -> None:
    lab = world.binding(2)
    with pytest.raises(ZeroBatchRootError):
        lab.transact("CertificateRegistry", "anchorBatch", bytes(32), 1)
    with pytest.raises(ZeroBatchCountError):
        lab.transact("CertificateRegistry", "anchorBatch", b32(rand32()), 0)


def _leaf(world: World, device_id: int, **changes: Any) -> BatchCertificate:
    values: dict[str, Any] = {
        "device_id": device_id,
        "report": rand32(),
        "test_spec": SPEC,
        "passed": True,
        "valid_until": world.now() + YEAR,
    }
    values.update(changes)
    return BatchCertificate.create(**values)


def test_batch_errors(
    world: World, lab: CertificatesClient, buyer: CertificatesClient, device_id: int
) -> None:
    leaves = [_leaf(world, device_id) for _ in range(3)]
    anchored = lab.anchor_batch(certificates=leaves)
    root = anchored.root
    with pytest.raises(BatchAlreadyAnchoredError) as info:
        lab.anchor_batch(certificates=leaves)
    assert info.value.root == b32(root)

    unknown = rand32()
    with pytest.raises(BatchNotFoundError) as info:
        lab.batch(lab=LAB, root=unknown)
    assert info.value.root == b32(unknown)
    with pytest.raises(BatchNotFoundError):
        lab.revoke_batch(lab=LAB, root=unknown, reason="?")
    first = anchored.certificates[0]
    with pytest.raises(BatchNotFoundError):
        buyer.present_batch_certificate(lab=LAB, root=unknown, leaf=first.leaf, proof=first.proof)

    # A proof of another leaf does not prove this one.
    with pytest.raises(InvalidBatchProofError) as info:
        buyer.present_batch_certificate(
            lab=LAB, root=root, leaf=first.leaf, proof=anchored.certificates[1].proof
        )
    assert info.value.root == b32(root)

    with pytest.raises(NotBatchIssuerError) as info:
        buyer.revoke_batch(lab=LAB, root=root, reason="no")
    assert info.value.root == b32(root) and info.value.caller == BUYER

    lab.revoke_batch(lab=LAB, root=root, reason="bench miscalibrated")
    with pytest.raises(BatchAlreadyRevokedError) as info:
        lab.revoke_batch(lab=LAB, root=root, reason="again")
    assert info.value.root == b32(root)
    with pytest.raises(BatchAlreadyRevokedError):
        buyer.present_batch_certificate(lab=LAB, root=root, leaf=first.leaf, proof=first.proof)


def test_batch_leaf_errors_on_presentation(
    world: World, lab: CertificatesClient, buyer: CertificatesClient, device_id: int
) -> None:
    until = world.now() + 5 * DAY
    leaves = [
        _leaf(world, device_id, valid_until=until),
        _leaf(world, 999, valid_until=world.now() + YEAR),  # unknown device
        _leaf(world, device_id, report=ZERO32),
    ]
    anchored = lab.anchor_batch(certificates=leaves)
    expiring, unknown_device, zero_report = anchored.certificates
    with pytest.raises(DeviceNotFoundError) as info:
        buyer.present_batch_certificate(
            lab=LAB, root=anchored.root, leaf=unknown_device.leaf, proof=unknown_device.proof
        )
    assert info.value.device_id == 999
    with pytest.raises(ZeroReportDigestError):
        buyer.present_batch_certificate(
            lab=LAB, root=anchored.root, leaf=zero_report.leaf, proof=zero_report.proof
        )
    world.travel(6 * DAY)
    with pytest.raises(InvalidValidityError) as info:
        buyer.present_batch_certificate(
            lab=LAB, root=anchored.root, leaf=expiring.leaf, proof=expiring.proof
        )
    assert info.value.valid_until == until


def _deploy_registry(world: World, admin: str, device_registry: str) -> None:
    from fabtrust._artifacts import artifact

    art = artifact("CertificateRegistry")
    factory = world.connection.w3.eth.contract(abi=list(art.abi), bytecode=art.bytecode)
    data = factory.constructor(admin, device_registry).data_in_transaction
    world.binding(0).send({"data": data}, label="deploy CertificateRegistry")


def test_constructor_errors(world: World) -> None:
    devices = world.deployment.contract("DeviceRegistry").address
    with pytest.raises(ZeroAdminError):
        _deploy_registry(world, ZERO_ADDRESS, devices)
    with pytest.raises(ZeroDeviceRegistryError):
        _deploy_registry(world, Signer.dev(0).address, ZERO_ADDRESS)


def test_errors_are_catchable_by_the_base_classes(
    world: World, lab: CertificatesClient, report: Path
) -> None:
    with pytest.raises(TransactionRevertedError) as info:
        lab.issue(
            device_id=1,
            report=report,
            data_root=ZERO32,
            test_spec=SPEC,
            passed=True,
            valid_until=world.now() + YEAR,
        )
    assert isinstance(info.value, DeviceNotFoundError)
    assert "DeviceNotFound(device_id=1)" in str(info.value)
    assert info.value.tx_hash is None  # refused in simulation: nothing was mined
