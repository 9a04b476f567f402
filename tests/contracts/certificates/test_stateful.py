"""Stateful property test: certificates against a Python model.

Random issuance (Pass/Fail, two labs, two devices, two specs), supersedes, revocations, single-leaf batches
(anchored, presented later, revoked) and time jumps. After every step:
- a revoked, superseded, expired or revoked-batch certificate is never valid, every other one is;
- `hasValidPass` and `latestCertificate` match the model for every device+spec.
"""

from brownie import chain
from brownie.exceptions import VirtualMachineError, decode_typed_error
from brownie.test import state_machine, strategy
from conftest import (
    FAIL,
    PASS,
    b32,
    cert_id,
    error_data,
    hx,
    leaf_hash,
    now,
    reverts_with,
    tx_timestamp,
)

SPECS = [b32("spec-A"), b32("spec-B")]


class CertificateModel:
    # Brownie looks rule arguments' strategies up by these names.
    st_index = strategy("uint", max_value=1)
    st_bool = strategy("bool")
    st_validity = strategy("uint", min_value=30, max_value=3000)
    st_pick = strategy("uint", max_value=1000)
    st_seconds = strategy("uint", min_value=1, max_value=2000)

    def __init__(cls, certs, labs, admin, device_ids):
        cls.certs = certs
        cls.labs = labs
        cls.admin = admin
        cls.device_ids = device_ids

    def setup(self):
        # Each example starts from the chain reverted to the fixture's snapshot, whose latest block
        # may be minutes old while the node's clock (Ganache's, for the next block) went on: mine
        # one block now, so now() + validity is ahead of the block the first rule's tx lands in.
        chain.mine()
        self.counter = 0
        self.certificates = {}  # certId -> dict(lab, device, spec, result, valid_until, issued_at, ...)
        self.latest = {}  # (device, spec) -> certId of the latest Pass
        self.batches = {}  # root -> dict(lab, anchored_at, revoked, leaf, presented)

    # ---------------------------------------------------------------------------------------------
    # Model helpers
    # ---------------------------------------------------------------------------------------------

    def _fresh(self, tag):
        self.counter += 1
        return b32(f"{tag} {self.counter}")

    def _record(self, cid, lab, device, spec, result, valid_until, issued_at, batch=None):
        self.certificates[cid] = {
            "lab": lab,
            "device": device,
            "spec": spec,
            "result": result,
            "valid_until": valid_until,
            "issued_at": issued_at,
            "revoked": False,
            "superseded": False,
            "batch": batch,
        }

    def _valid(self, cid, at):
        cert = self.certificates[cid]
        if cert["revoked"] or cert["superseded"] or at >= cert["valid_until"]:
            return False
        return cert["batch"] is None or not self.batches[cert["batch"]]["revoked"]

    # ---------------------------------------------------------------------------------------------
    # Rules
    # ---------------------------------------------------------------------------------------------

    def rule_issue(
        self,
        lab_i="st_index",
        device_i="st_index",
        spec_i="st_index",
        passed="st_bool",
        validity="st_validity",
    ):
        lab, device, spec = self.labs[lab_i], self.device_ids[device_i], SPECS[spec_i]
        result = PASS if passed else FAIL
        report, data = self._fresh("report"), self._fresh("data")
        valid_until = now() + validity
        tx = self.certs.issueCertificate(
            device, report, data, spec, result, valid_until, {"from": lab}
        )
        cid = hx(tx.events["CertificateIssued"]["certId"])
        assert cid == cert_id(lab, device, report)
        self._record(cid, lab, device, spec, result, valid_until, tx.timestamp)
        if result == PASS:
            self.latest[(device, spec)] = cid

    def rule_supersede(
        self,
        pick="st_pick",
        spec_i="st_index",
        passed="st_bool",
        validity="st_validity",
    ):
        if not self.certificates:
            return
        old = sorted(self.certificates)[pick % len(self.certificates)]
        cert = self.certificates[old]
        lab, device, spec = cert["lab"], cert["device"], SPECS[spec_i]
        result = PASS if passed else FAIL
        report = self._fresh("report")
        request = (device, report, self._fresh("data"), spec, result, now() + validity, old, b"")
        if cert["superseded"]:
            with reverts_with("CannotSupersede(bytes32)", old):
                self.certs.issueCertificateWithOptions(request, {"from": lab})
            return
        tx = self.certs.issueCertificateWithOptions(request, {"from": lab})
        cid = hx(tx.events["CertificateIssued"]["certId"])
        assert hx(tx.events["CertificateSuperseded"]["certId"]) == old
        self._record(cid, lab, device, spec, result, request[5], tx.timestamp)
        cert["superseded"] = True
        if result == PASS:
            self.latest[(device, spec)] = cid

    def rule_revoke(self, pick="st_pick", by_admin="st_bool"):
        if not self.certificates:
            return
        cid = sorted(self.certificates)[pick % len(self.certificates)]
        cert = self.certificates[cid]
        sender = self.admin if by_admin else cert["lab"]
        if cert["revoked"]:
            with reverts_with("CertificateAlreadyRevoked(bytes32)", cid):
                self.certs.revokeCertificate(cid, "again", {"from": sender})
            return
        tx = self.certs.revokeCertificate(cid, "model", {"from": sender})
        assert tx.events["CertificateRevoked"]["deviceId"] == cert["device"]
        cert["revoked"] = True

    def rule_anchor(
        self,
        lab_i="st_index",
        device_i="st_index",
        spec_i="st_index",
        passed="st_bool",
        validity="st_validity",
    ):
        lab = self.labs[lab_i]
        leaf = (
            self.device_ids[device_i],
            self._fresh("report"),
            self._fresh("data"),
            SPECS[spec_i],
            PASS if passed else FAIL,
            now() + validity,
        )
        root = leaf_hash(leaf)  # a one-leaf StandardMerkleTree: root = leaf, proof = []
        tx = self.certs.anchorBatch(root, 1, {"from": lab})
        self.batches[root] = {
            "lab": lab,
            "anchored_at": tx.timestamp,
            "revoked": False,
            "leaf": leaf,
            "presented": False,
        }

    def rule_present(self, pick="st_pick"):
        if not self.batches:
            return
        root = sorted(self.batches)[pick % len(self.batches)]
        batch = self.batches[root]
        leaf = batch["leaf"]
        cid = cert_id(batch["lab"], leaf[0], leaf[1])
        if batch["revoked"]:
            with reverts_with("BatchAlreadyRevoked(bytes32)", root):
                self.certs.presentBatchCertificate(root, leaf, [], {"from": self.admin})
            return
        if batch["presented"]:
            with reverts_with("CertificateAlreadyExists(bytes32)", cid):
                self.certs.presentBatchCertificate(root, leaf, [], {"from": self.admin})
            return
        try:
            tx = self.certs.presentBatchCertificate(root, leaf, [], {"from": self.admin})
        except VirtualMachineError as exc:
            # Only expiry can fail here: exactly InvalidValidity(validUntil), mined at or after validUntil.
            expected = decode_typed_error(
                "0x" + error_data("InvalidValidity(uint64)", leaf[5]).hex()
            )
            assert exc.revert_msg == expected
            assert tx_timestamp(exc) >= leaf[5]
            return
        assert tx.timestamp < leaf[5]
        assert hx(tx.events["CertificateIssued"]["certId"]) == cid
        batch["presented"] = True
        device, spec, result = leaf[0], leaf[3], leaf[4]
        self._record(
            cid, batch["lab"], device, spec, result, leaf[5], batch["anchored_at"], batch=root
        )
        if result == PASS:
            current = self.latest.get((device, spec))
            if current is None or self.certificates[current]["issued_at"] <= batch["anchored_at"]:
                self.latest[(device, spec)] = cid

    def rule_revoke_batch(self, pick="st_pick", by_admin="st_bool"):
        if not self.batches:
            return
        root = sorted(self.batches)[pick % len(self.batches)]
        batch = self.batches[root]
        sender = self.admin if by_admin else batch["lab"]
        if batch["revoked"]:
            with reverts_with("BatchAlreadyRevoked(bytes32)", root):
                self.certs.revokeBatch(root, "again", {"from": sender})
            return
        self.certs.revokeBatch(root, "model", {"from": sender})
        batch["revoked"] = True

    def rule_sleep(self, seconds="st_seconds"):
        chain.sleep(seconds)
        chain.mine()

    # ---------------------------------------------------------------------------------------------
    # Invariants
    # ---------------------------------------------------------------------------------------------

    def invariant_certificates(self):
        at = now()
        for cid, cert in self.certificates.items():
            valid = self.certs.isValid(cid)
            assert valid == self._valid(cid, at), (cid, cert, at)
            if cert["revoked"] or at >= cert["valid_until"]:
                assert not valid

    def invariant_latest_pass(self):
        at = now()
        for device in self.device_ids:
            for spec in SPECS:
                latest = self.latest.get((device, spec))
                assert hx(self.certs.latestCertificate(device, spec)) == (
                    latest or "0x" + "00" * 32
                )
                expected = latest is not None and self._valid(latest, at)
                assert self.certs.hasValidPass(device, spec) == expected


def test_certificates_match_model(certs2, lab, lab2, admin, device, device2):
    state_machine(
        CertificateModel,
        certs2,
        [lab, lab2],
        admin,
        [device, device2],
        settings={"max_examples": 20, "stateful_step_count": 25},
    )
