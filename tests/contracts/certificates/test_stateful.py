"""Stateful property test: certificates against a Python model.

Random issuance (Pass/Fail, two labs, two devices, two specs), supersedes, revocations, single-leaf batches
(anchored, presented later, revoked), lab revocation and re-accreditation, device suspension and
re-activation, and time jumps. After every step:
- a revoked, superseded, expired or revoked-batch certificate, one of a lab revoked at or after its
  issuance, or one of a device that is not Active, is never valid; every other one is;
- `isValidPass` accepts exactly the model's valid Pass certificates of each device+spec (with their
  data root), so "some valid Pass exists" matches the model.
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
from hypothesis import HealthCheck

SPECS = [b32("spec-A"), b32("spec-B")]


class CertificateModel:
    # Brownie looks rule arguments' strategies up by these names.
    st_index = strategy("uint", max_value=1)
    st_bool = strategy("bool")
    st_validity = strategy("uint", min_value=30, max_value=3000)
    st_pick = strategy("uint", max_value=1000)
    st_seconds = strategy("uint", min_value=1, max_value=2000)

    def __init__(cls, certs, devices, manufacturer, labs, admin, device_ids):
        cls.certs = certs
        cls.devices = devices
        cls.manufacturer = manufacturer
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
        self.batches = {}  # (lab, root) -> dict(lab, anchored_at, revoked, leaf, presented)
        self.revoked_at = {lab: 0 for lab in self.labs}  # lab -> latest revocation time
        self.accredited = {lab: True for lab in self.labs}
        self.suspended = {device: False for device in self.device_ids}

    # ---------------------------------------------------------------------------------------------
    # Model helpers
    # ---------------------------------------------------------------------------------------------

    def _fresh(self, tag):
        self.counter += 1
        return b32(f"{tag} {self.counter}")

    def _record(
        self, cid, lab, device, spec, result, valid_until, issued_at, data, batch=None, *, report
    ):
        self.certificates[cid] = {
            "report": report,
            "data": data,
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

    def _valid(self, cid, at, *, device_checked=True):
        """The model's validity; `device_checked=False` for isValid(certId), which judges the record
        alone (the slot does not store the device)."""
        cert = self.certificates[cid]
        if cert["revoked"] or cert["superseded"] or at >= cert["valid_until"]:
            return False
        if cert["issued_at"] <= self.revoked_at[cert["lab"]]:
            return False
        if device_checked and self.suspended[cert["device"]]:
            return False
        return cert["batch"] is None or not self.batches[cert["batch"]]["revoked"]

    def _issue_error(self, lab, device):
        """The error an issuance by `lab` for `device` must revert with now, or None."""
        if not self.accredited[lab]:
            return ("LabNotAccredited(address)", lab)
        if self.suspended[device]:
            return ("DeviceNotActive(uint256,uint8)", device, 1)
        return None

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
        args = (device, report, data, spec, result, valid_until, {"from": lab})
        error = self._issue_error(lab, device)
        if error:
            with reverts_with(*error):
                self.certs.issueCertificate(*args)
            return
        tx = self.certs.issueCertificate(*args)
        cid = hx(tx.events["CertificateIssued"]["certId"])
        assert cid == cert_id(lab, device, report)
        self._record(cid, lab, device, spec, result, valid_until, tx.timestamp, data, report=report)

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
        request = (
            device,
            report,
            self._fresh("data"),
            spec,
            result,
            now() + validity,
            old,
            cert["report"],
            b"",
        )
        error = self._issue_error(lab, device)
        if error:
            with reverts_with(*error):
                self.certs.issueCertificateWithOptions(request, {"from": lab})
            return
        if cert["superseded"]:
            with reverts_with("CannotSupersede(bytes32)", old):
                self.certs.issueCertificateWithOptions(request, {"from": lab})
            return
        tx = self.certs.issueCertificateWithOptions(request, {"from": lab})
        cid = hx(tx.events["CertificateIssued"]["certId"])
        assert hx(tx.events["CertificateSuperseded"]["certId"]) == old
        self._record(
            cid, lab, device, spec, result, request[5], tx.timestamp, request[2], report=report
        )
        cert["superseded"] = True

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
        self.certs.revokeCertificate(cid, "model", {"from": sender})
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
        if not self.accredited[lab]:
            with reverts_with("LabNotAccredited(address)", lab):
                self.certs.anchorBatch(root, 1, {"from": lab})
            return
        tx = self.certs.anchorBatch(root, 1, {"from": lab})
        self.batches[(lab, root)] = {
            "lab": lab,
            "anchored_at": tx.timestamp,
            "revoked": False,
            "leaf": leaf,
            "presented": False,
        }

    def rule_present(self, pick="st_pick"):
        if not self.batches:
            return
        key = sorted(self.batches, key=lambda k: (str(k[0]), k[1]))[pick % len(self.batches)]
        lab, root = key
        batch = self.batches[key]
        leaf = batch["leaf"]
        cid = cert_id(lab, leaf[0], leaf[1])
        expected = None
        if batch["revoked"]:
            expected = ("BatchAlreadyRevoked(address,bytes32)", lab, root)
        elif not self.accredited[lab]:
            expected = ("LabNotAccredited(address)", lab)
        elif batch["anchored_at"] <= self.revoked_at[lab]:
            expected = (
                "BatchAnchoredBeforeRevocation(address,bytes32,uint64,uint64)",
                lab,
                root,
                batch["anchored_at"],
                self.revoked_at[lab],
            )
        elif batch["presented"] and not self.suspended[leaf[0]] and now() + 1 < leaf[5]:
            expected = ("CertificateAlreadyExists(bytes32)", cid)
        if expected:
            with reverts_with(*expected):
                self.certs.presentBatchCertificate(lab, root, leaf, [], {"from": self.admin})
            return
        try:
            tx = self.certs.presentBatchCertificate(lab, root, leaf, [], {"from": self.admin})
        except VirtualMachineError as exc:
            # Expiry (exactly InvalidValidity(validUntil), mined at or after validUntil), then a
            # device that is not Active, then a leaf presented already.
            if tx_timestamp(exc) >= leaf[5]:
                wanted = error_data("InvalidValidity(uint64)", leaf[5])
            elif self.suspended[leaf[0]]:
                wanted = error_data("DeviceNotActive(uint256,uint8)", leaf[0], 1)
            else:
                assert batch["presented"]
                wanted = error_data("CertificateAlreadyExists(bytes32)", cid)
            assert exc.revert_msg == decode_typed_error("0x" + wanted.hex())
            return
        assert tx.timestamp < leaf[5]
        assert hx(tx.events["CertificateIssued"]["certId"]) == cid
        batch["presented"] = True
        device, spec, result = leaf[0], leaf[3], leaf[4]
        self._record(
            cid,
            lab,
            device,
            spec,
            result,
            leaf[5],
            batch["anchored_at"],
            leaf[2],
            batch=key,
            report=leaf[1],
        )

    def rule_revoke_batch(self, pick="st_pick", by_admin="st_bool"):
        if not self.batches:
            return
        key = sorted(self.batches, key=lambda k: (str(k[0]), k[1]))[pick % len(self.batches)]
        lab, root = key
        batch = self.batches[key]
        sender = self.admin if by_admin else lab
        if batch["revoked"]:
            with reverts_with("BatchAlreadyRevoked(address,bytes32)", lab, root):
                self.certs.revokeBatch(lab, root, "again", {"from": sender})
            return
        self.certs.revokeBatch(lab, root, "model", {"from": sender})
        batch["revoked"] = True

    def rule_toggle_lab(self, lab_i="st_index"):
        """Revoke an accredited lab, or re-accredit a revoked one."""
        lab = self.labs[lab_i]
        if self.accredited[lab]:
            tx = self.certs.revokeAccreditation(lab, {"from": self.admin})
            assert tx.events["LabAccreditationRevoked"]["revokedAt"] == tx.timestamp
            self.revoked_at[lab] = tx.timestamp
        else:
            self.certs.accreditLab(lab, "re-accredited", now() + 365 * 86400, {"from": self.admin})
        self.accredited[lab] = not self.accredited[lab]

    def rule_toggle_device(self, device_i="st_index"):
        """Suspend an Active device, or re-activate a suspended one."""
        device = self.device_ids[device_i]
        status = 0 if self.suspended[device] else 1
        self.devices.setDeviceStatus(device, status, {"from": self.manufacturer})
        self.suspended[device] = not self.suspended[device]

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
            assert valid == self._valid(cid, at, device_checked=False), (cid, cert, at)
            fields = (cid, cert["device"], cert["report"], cert["data"], cert["spec"])
            assert self.certs.isValidCertificate(*fields) == self._valid(cid, at), (cid, cert, at)
            if cert["revoked"] or at >= cert["valid_until"]:
                assert not valid

    def invariant_valid_passes(self):
        at = now()
        for device in self.device_ids:
            for spec in SPECS:
                expected, actual = set(), set()
                for cid, cert in self.certificates.items():
                    if self.certs.isValidPass(cid, device, spec, cert["data"]):
                        actual.add(cid)
                    if (
                        cert["device"] == device
                        and cert["spec"] == spec
                        and cert["result"] == PASS
                        and self._valid(cid, at)
                    ):
                        expected.add(cid)
                assert actual == expected, (device, spec)


def test_certificates_match_model(certs2, devices, manufacturer, lab, lab2, admin, device, device2):
    state_machine(
        CertificateModel,
        certs2,
        devices,
        manufacturer,
        [lab, lab2],
        admin,
        [device, device2],
        settings={
            "max_examples": 20,
            "stateful_step_count": 25,
            # every step is a transaction; an overlong draw is discarded, not a failure
            # (hypothesis' data_too_large health check failed a CI run at random)
            "suppress_health_check": [HealthCheck.data_too_large, HealthCheck.too_slow],
        },
    )
