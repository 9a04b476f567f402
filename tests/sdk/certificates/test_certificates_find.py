"""Finding certificates by the report alone (eth_getLogs on the indexed digest) and by device."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from certs_helpers import SPEC, YEAR, ZERO32, World, rand32

from fabtrust.accounts import Signer
from fabtrust.certificates import CertificatesClient
from fabtrust.errors import InvalidInputError
from fabtrust.evidence import sha256_file


def test_find_by_report_among_many_with_small_chunks(
    world: World, lab: CertificatesClient, admin: CertificatesClient, report: Path
) -> None:
    digest = sha256_file(report)
    devices = [world.register_device(f"HM-F{i}")[0] for i in range(3)]
    admin.accredit_lab(lab=Signer.dev(5).address, name="Second Lab", valid_until=world.now() + YEAR)
    second_lab = world.certs(5)
    until = world.now() + YEAR
    expected: list[str] = []
    for round_ in range(4):
        for device in devices:
            # Many unrelated certificates in between...
            lab.issue(
                device_id=device,
                report=rand32(),
                data_root=ZERO32,
                test_spec=SPEC,
                passed=True,
                valid_until=until,
            )
        # ... and a few for our report: other devices, other labs.
        if round_ < 3:
            issued = lab.issue(
                device_id=devices[round_],
                report=report,
                data_root=rand32(),
                test_spec=SPEC,
                passed=round_ != 1,
                valid_until=until,
            )
            expected.append(issued.cert_id)
    issued = second_lab.issue(
        device_id=devices[0],
        report=digest,
        data_root=ZERO32,
        test_spec=SPEC,
        passed=True,
        valid_until=until,
    )
    expected.append(issued.cert_id)
    deployment_block = world.deployment.deployment_block
    assert world.block() - deployment_block > 20  # many blocks to scan

    calls: list[dict[str, Any]] = []
    eth = world.connection.w3.eth
    original = eth.get_logs

    def counting(params: Any) -> Any:
        calls.append(dict(params))
        return original(params)

    eth.get_logs = counting  # type: ignore[method-assign,assignment]
    try:
        found = world.readonly().find_by_report(report=report, chunk_size=3)
    finally:
        eth.get_logs = original  # type: ignore[method-assign]
    assert [c.cert_id for c in found] == expected  # chain order
    assert all(c.report_sha256 == digest for c in found)
    assert [c.lab for c in found] == [Signer.dev(2).address] * 3 + [Signer.dev(5).address]
    assert found[-1].lab_name == "Second Lab"
    assert [c.passed for c in found] == [True, False, True, True]
    # The scan started at the deployment block, in chunks of at most 3 blocks, filtering on the
    # CertificateIssued topic and the report digest in topic 3.
    assert calls and calls[0]["fromBlock"] == deployment_block
    assert all(int(c["toBlock"]) - int(c["fromBlock"]) < 3 for c in calls)
    assert len(calls) >= (world.block() - deployment_block) // 3
    topics = calls[0]["topics"]
    assert topics[1] is None and topics[2] is None and topics[3] == digest

    # The digest alone, in any form, finds the same.
    assert [c.cert_id for c in lab.find_by_report(report=digest[2:].upper())] == expected


def test_find_by_report_none_and_revoked(
    world: World, lab: CertificatesClient, device_id: int, report: Path
) -> None:
    assert lab.find_by_report(report=report) == []
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=ZERO32,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
    )
    lab.revoke(cert_id=issued.cert_id, reason="typo in the report")
    (found,) = lab.find_by_report(report=report)
    assert found.revoked and found.revocation_reason == "typo in the report"


def test_find_by_device(world: World, lab: CertificatesClient) -> None:
    mine, _ = world.register_device("HM-MINE")
    other, _ = world.register_device("HM-OTHER")
    until = world.now() + YEAR
    ids = []
    for device, passed in [(mine, False), (other, True), (mine, True)]:
        issued = lab.issue(
            device_id=device,
            report=rand32(),
            data_root=ZERO32,
            test_spec=SPEC,
            passed=passed,
            valid_until=until,
        )
        if device == mine:
            ids.append(issued.cert_id)
    found = lab.find_by_device(device_id=mine, chunk_size=2)
    assert [c.cert_id for c in found] == ids
    assert [c.passed for c in found] == [False, True]
    assert lab.find_by_device(device_id=12345) == []


def test_find_input_validation(lab: CertificatesClient) -> None:
    with pytest.raises(InvalidInputError) as info:
        lab.find_by_report(report=rand32(), chunk_size=0)
    assert info.value.field == "chunk_size"
    with pytest.raises(InvalidInputError) as info:
        lab.find_by_report(report="not a digest and not a file")
    assert info.value.field == "report"
    with pytest.raises(InvalidInputError) as info:
        lab.find_by_device(device_id=-3)
    assert info.value.field == "device_id"
