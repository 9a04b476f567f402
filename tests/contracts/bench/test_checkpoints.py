"""TestCheckpoints: accredited labs anchor strictly increasing checkpoints, one slot per session."""

from bench_helpers import assert_only_event, b32, reverts_with
from brownie import TestCheckpoints, chain

DEVICE = 42
SESSION = b32("session-1")


def test_constructor_wires_the_registry(checkpoints, certs):
    assert checkpoints.accreditation() == certs
    assert checkpoints.session(DEVICE, SESSION) == ("0x" + "00" * 20, 0, 0)


def test_first_checkpoint_binds_the_session_to_the_lab_and_emits(checkpoints, lab):
    tx = checkpoints.checkpoint(DEVICE, SESSION, 1, b32("root-1"), 200, {"from": lab})
    assert_only_event(
        tx,
        "CheckpointAnchored",
        {
            "deviceId": DEVICE,
            "sessionId": SESSION,
            "lab": lab.address,
            "sequence": 1,
            "root": b32("root-1"),
            "readingCount": 200,
        },
    )
    assert checkpoints.session(DEVICE, SESSION) == (lab.address, 1, 200)


def test_sequence_may_skip_but_never_repeat_or_go_back(checkpoints, lab):
    checkpoints.checkpoint(DEVICE, SESSION, 1, b32("r1"), 200, {"from": lab})
    checkpoints.checkpoint(DEVICE, SESSION, 3, b32("r3"), 400, {"from": lab})
    with reverts_with(
        "SequenceNotIncreasing(uint256,bytes32,uint48,uint48)", DEVICE, SESSION, 3, 3
    ):
        checkpoints.checkpoint(DEVICE, SESSION, 3, b32("r3b"), 500, {"from": lab})
    with reverts_with(
        "SequenceNotIncreasing(uint256,bytes32,uint48,uint48)", DEVICE, SESSION, 3, 2
    ):
        checkpoints.checkpoint(DEVICE, SESSION, 2, b32("r2"), 500, {"from": lab})
    assert checkpoints.session(DEVICE, SESSION) == (lab.address, 3, 400)


def test_sequence_zero_is_never_a_checkpoint(checkpoints, lab):
    with reverts_with(
        "SequenceNotIncreasing(uint256,bytes32,uint48,uint48)", DEVICE, SESSION, 0, 0
    ):
        checkpoints.checkpoint(DEVICE, SESSION, 0, b32("r0"), 10, {"from": lab})


def test_reading_count_must_grow(checkpoints, lab):
    checkpoints.checkpoint(DEVICE, SESSION, 1, b32("r1"), 200, {"from": lab})
    with reverts_with(
        "ReadingCountNotIncreasing(uint256,bytes32,uint48,uint48)", DEVICE, SESSION, 200, 200
    ):
        checkpoints.checkpoint(DEVICE, SESSION, 2, b32("r2"), 200, {"from": lab})
    with reverts_with(
        "ReadingCountNotIncreasing(uint256,bytes32,uint48,uint48)", DEVICE, b32("other"), 0, 0
    ):
        checkpoints.checkpoint(DEVICE, b32("other"), 1, b32("r"), 0, {"from": lab})


def test_zero_root_is_rejected(checkpoints, lab):
    with reverts_with("ZeroCheckpointRoot()"):
        checkpoints.checkpoint(DEVICE, SESSION, 1, b"\x00" * 32, 10, {"from": lab})


def test_only_accredited_labs(checkpoints, certs, admin, lab, outsider):
    with reverts_with("LabNotAccredited(address)", outsider.address):
        checkpoints.checkpoint(DEVICE, SESSION, 1, b32("r1"), 10, {"from": outsider})
    checkpoints.checkpoint(DEVICE, SESSION, 1, b32("r1"), 10, {"from": lab})
    certs.revokeAccreditation(lab, {"from": admin})
    with reverts_with("LabNotAccredited(address)", lab.address):
        checkpoints.checkpoint(DEVICE, SESSION, 2, b32("r2"), 20, {"from": lab})


def test_expired_accreditation_stops_checkpoints(checkpoints, certs, admin, lab, accounts):
    other = accounts[7]
    certs.accreditLab(other, "Short-lived lab", chain.time() + 100, {"from": admin})
    checkpoints.checkpoint(DEVICE, SESSION, 1, b32("r1"), 10, {"from": other})
    chain.sleep(200)
    chain.mine()
    with reverts_with("LabNotAccredited(address)", other.address):
        checkpoints.checkpoint(DEVICE, SESSION, 2, b32("r2"), 20, {"from": other})


def test_a_session_belongs_to_its_first_lab(checkpoints, certs, admin, lab, accounts):
    other = accounts[7]
    certs.accreditLab(other, "Second lab", chain.time() + 86400, {"from": admin})
    checkpoints.checkpoint(DEVICE, SESSION, 1, b32("r1"), 10, {"from": lab})
    with reverts_with("NotSessionLab(uint256,bytes32,address)", DEVICE, SESSION, lab.address):
        checkpoints.checkpoint(DEVICE, SESSION, 2, b32("r2"), 20, {"from": other})
    # the same session id for another device is another session
    checkpoints.checkpoint(DEVICE + 1, SESSION, 1, b32("r1"), 10, {"from": other})
    assert checkpoints.session(DEVICE + 1, SESSION) == (other.address, 1, 10)
    assert checkpoints.session(DEVICE, SESSION) == (lab.address, 1, 10)


def test_gas_first_and_following_checkpoints(checkpoints, lab):
    first = checkpoints.checkpoint(DEVICE, SESSION, 1, b32("r1"), 200, {"from": lab})
    following = checkpoints.checkpoint(DEVICE, SESSION, 2, b32("r2"), 400, {"from": lab})
    print(f"\ngas checkpoint: first={first.gas_used}, following={following.gas_used}")
    assert first.gas_used <= 56_000  # measured 54,551
    assert following.gas_used <= 38_000  # measured 37,485
    assert TestCheckpoints[-1] == checkpoints
