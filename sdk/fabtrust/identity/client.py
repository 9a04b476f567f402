"""The devices client: registering devices from an MES, reading and managing them.

Light module: web3 is only reached through the :class:`~fabtrust._binding.Binding` given to the
constructor, and :mod:`fabtrust.chain` / eth-account are imported inside the methods that need
them, so ``import fabtrust.identity`` stays cheap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from fabtrust import _validate
from fabtrust.accounts import Signer
from fabtrust.errors import (
    ChainError,
    InvalidInputError,
)
from fabtrust.evidence.typed_data import (
    device_id_of,
    device_key_proof_typed_data,
    typed_data_digest,
)
from fabtrust.identity._batch import (
    DEFAULT_BLOCK_FRACTION,
    SAMPLE_SIZE,
    fit_size,
    gas_with_margin,
    plan_size,
)
from fabtrust.identity._inputs import (
    check_device_id,
    check_serial,
    device_id_topic,
    model_text,
)
from fabtrust.identity.errors import DeviceAlreadyRegisteredError, DeviceNotFoundError
from fabtrust.identity.models import (
    BatchProgress,
    BatchRegistration,
    Device,
    DeviceHistoryEntry,
    DeviceKeyProvenEntry,
    DeviceKeyRotatedEntry,
    DeviceOutcome,
    DeviceRegisteredEntry,
    DeviceRegistration,
    DeviceSpec,
    DeviceStatus,
    DeviceStatusChangedEntry,
    DeviceTransferredEntry,
)
from fabtrust.models import Event, TxResult

if TYPE_CHECKING:
    from fabtrust._binding import Binding

__all__ = ["DevicesClient"]

REGISTRY = "DeviceRegistry"
_MAX_RACE_RETRIES = 8
_FINAL_DEPTH = 64  # blocks below the head whose timestamps are cached


class DevicesClient:
    """Register, look up, transfer and manage devices on the DeviceRegistry.

    Reads work on a read-only connection; methods that send a transaction need an account
    (:class:`~fabtrust.errors.AccountError` otherwise). A reverted call raises the matching
    :class:`~fabtrust.errors.ContractError` subclass (see :mod:`fabtrust.identity.errors`). Safe to
    use from several threads: transactions share the connection's nonce manager.
    """

    direct_scan_blocks = 5_000
    """Below this many blocks since the deployment, ``get`` scans the event log directly."""

    def __init__(self, binding: Binding) -> None:
        self._binding = binding
        self._timestamps: dict[int, int] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DevicesClient(registry={self.registry_address})"

    # -- addresses ----------------------------------------------------------------------------

    @property
    def registry_address(self) -> str:
        """The DeviceRegistry's address."""
        return str(self._binding.deployment.contract(REGISTRY).address)

    # -- registration ---------------------------------------------------------------------------

    def id_of(self, *, serial: str, manufacturer: str | None = None) -> int:
        """The device id of ``serial`` registered by ``manufacturer`` (default: the signer),
        computed locally: ``uint256(keccak256(abi.encode(manufacturer, serial)))``."""
        serial = check_serial(serial)
        maker = (
            self._binding.address
            if manufacturer is None
            else _validate.address(manufacturer, field="manufacturer")
        )
        return device_id_of(maker, serial)

    def exists(self, *, device_id: int) -> bool:
        """Whether a device with this id is registered."""
        return bool(self._call("isRegistered", check_device_id(device_id)))

    def register(
        self,
        *,
        serial: str,
        model: str | bytes,
        device_key: str | None = None,
        metadata_hash: str | bytes | None = None,
        owner: str | None = None,
        key_signer: Signer | None = None,
        exist_ok: bool = False,
    ) -> DeviceRegistration:
        """Register one device, minting its record to ``owner`` (default: the signer).

        ``model``: text (at most 32 UTF-8 bytes) or 32 bytes; ``device_key``: the device's signing
        address (may be omitted with ``key_signer``); ``metadata_hash``: 32 bytes (default zero).
        With ``key_signer`` (the device's key) the registration carries an EIP-712 proof of
        possession (``registerDeviceWithProof``; the local digest is checked against the
        contract's ``keyProofDigest`` first) and the record has ``key_proven=True``.

        A device registered before raises ``DeviceAlreadyRegisteredError(device_id=...)``, unless
        ``exist_ok``: then the existing device is returned with ``already_registered=True`` and
        nothing is sent. Bad input → InvalidInputError naming the field.
        """
        if key_signer is not None and not isinstance(key_signer, Signer):
            raise InvalidInputError("key_signer must be a fabtrust Signer", field="key_signer")
        if device_key is None:
            if key_signer is None:
                raise InvalidInputError("device_key is required", field="device_key")
            device_key = key_signer.address
        spec = DeviceSpec(
            serial=serial,
            model=model,
            device_key=device_key,
            metadata_hash=metadata_hash,
            owner=owner,
        )
        if key_signer is not None and key_signer.address != spec.device_key:
            raise InvalidInputError(
                f"key_signer {key_signer.address} does not hold device_key {spec.device_key}",
                field="key_signer",
            )
        manufacturer = self._binding.address
        first_owner = spec.owner or manufacturer
        device_id = device_id_of(manufacturer, spec.serial)
        if exist_ok and self.exists(device_id=device_id):
            return self._existing_registration(device_id)
        row = (
            spec.serial,
            _b32(spec.model),
            spec.device_key,
            _b32(spec.metadata_hash),
            first_owner,
        )
        try:
            if key_signer is None:
                tx = self._transact("registerDevice", *row)
            else:
                signature = self._key_proof(
                    key_signer, manufacturer=manufacturer, device_id=device_id
                )
                tx = self._transact("registerDeviceWithProof", *row, signature)
        except DeviceAlreadyRegisteredError:
            if not exist_ok:
                raise
            return self._existing_registration(device_id)
        event = tx.event("DeviceRegistered")
        if int(event["deviceId"]) != device_id:
            raise ChainError(
                f"the registry assigned device id {event['deviceId']}, expected {device_id}"
            )
        return DeviceRegistration(
            device_id=device_id,
            serial=spec.serial,
            manufacturer=manufacturer,
            owner=first_owner,
            device_key=spec.device_key,
            model=spec.model,
            metadata_hash=spec.metadata_hash,
            key_proven=key_signer is not None,
            tx=tx,
        )

    def register_many(
        self,
        *,
        devices: Sequence[DeviceSpec],
        chunk_size: int | None = None,
        progress: Callable[[BatchProgress], None] | None = None,
        max_block_fraction: float = DEFAULT_BLOCK_FRACTION,
    ) -> BatchRegistration:
        """Register many devices with ``registerDevices``, idempotently.

        Devices already registered by the signer are skipped (outcome ``already_registered``,
        nothing re-sent), so re-running the same call after a crash or a node failure completes
        the batch without duplicates. The rest go in chunks of at most ``chunk_size`` devices and
        at most ``max_block_fraction`` of the block gas limit (the per-device gas is estimated
        with ``eth_estimateGas`` on a sample, then measured on each mined chunk; an over-budget
        chunk is shrunk before it is sent). ``progress`` is called after each mined chunk; an
        exception it raises stops the batch (what was mined stays registered).

        Returns one :class:`DeviceOutcome` per input, in input order. Duplicate serials in
        ``devices`` → InvalidInputError naming the second one.
        """
        specs = _check_specs(devices)
        if chunk_size is not None and (
            isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
        ):
            raise InvalidInputError("chunk_size must be a positive integer", field="chunk_size")
        if not 0 < max_block_fraction <= 1:
            raise InvalidInputError(
                "max_block_fraction must be in (0, 1]", field="max_block_fraction"
            )
        if progress is not None and not callable(progress):
            raise InvalidInputError("progress must be callable", field="progress")
        manufacturer = self._binding.address
        ids = [device_id_of(manufacturer, spec.serial) for spec in specs]
        seen: dict[int, int] = {}
        for index, device_id in enumerate(ids):
            if device_id in seen:
                raise InvalidInputError(
                    f"devices[{index}] repeats the serial {specs[index].serial!r} of "
                    f"devices[{seen[device_id]}]",
                    field=f"devices[{index}].serial",
                )
            seen[device_id] = index
        batch = _ChunkedRegistration(
            binding=self._binding,
            registry=self.registry_address,
            specs=specs,
            ids=ids,
            manufacturer=manufacturer,
            progress=progress,
        )
        pending: list[int] = []
        for index, registered in enumerate(self._registered_flags(ids)):
            if registered:
                batch.skip(index)
            else:
                pending.append(index)
        chunks = 0
        if pending:
            block_gas_limit = self._block_gas_limit()
            chunks = batch.send(
                pending,
                chunk_size=chunk_size,
                budget=int(block_gas_limit * max_block_fraction),
                block_gas_limit=block_gas_limit,
                registered_flags=self._registered_flags,
            )
        return BatchRegistration(outcomes=batch.outcomes(), chunks=chunks)

    def _registered_flags(self, ids: Sequence[int]) -> list[bool]:
        calls = [(check_device_id(i),) for i in ids]
        return [bool(flag) for flag in self._binding.call_many(REGISTRY, "isRegistered", calls)]

    def _existing_registration(self, device_id: int) -> DeviceRegistration:
        device = self.get(device_id=device_id)
        return DeviceRegistration(
            device_id=device_id,
            serial=device.serial,
            manufacturer=device.manufacturer,
            owner=device.owner,
            device_key=device.device_key,
            model=device.model,
            metadata_hash=device.metadata_hash,
            key_proven=device.key_proven,
            already_registered=True,
        )

    # -- reading --------------------------------------------------------------------------------

    def get(self, *, device_id: int) -> Device:
        """The device's record, ERC-721 owner and registration data (one consistent block).

        Unknown id → ``DeviceNotFoundError(device_id=...)``.
        """
        device_id = check_device_id(device_id)
        block = self._binding.connection.block_number()
        manufacturer, registered_at, status, key_proven, device_key = self._call(
            "device", device_id, block=block
        )
        owner = self._call("ownerOf", device_id, block=block)
        locker = str(self._call("lockerOf", device_id, block=block))
        event = self._registration_event(device_id, int(registered_at), block)
        if event is None:
            raise ChainError(
                f"device {device_id} is registered but its DeviceRegistered event was not found "
                f"(does the node keep logs from block {self._binding.deployment.deployment_block}?)"
            )
        return Device(
            device_id=device_id,
            manufacturer=str(manufacturer),
            owner=str(owner),
            device_key=str(device_key),
            status=DeviceStatus(int(status)),
            key_proven=bool(key_proven),
            registered_at=datetime.fromtimestamp(int(registered_at), tz=timezone.utc),
            serial=str(event["serial"]),
            model=str(event["model"]),
            model_text=model_text(str(event["model"])),
            metadata_hash=str(event["metadataHash"]),
            registered_block=event.block_number,
            registered_tx=event.tx_hash,
            locker=None if int(locker, 16) == 0 else locker,
        )

    def owner_of(self, *, device_id: int) -> str:
        """The ERC-721 owner of the device's record."""
        return str(self._call("ownerOf", check_device_id(device_id)))

    def locker_of(self, *, device_id: int) -> str | None:
        """The contract that locked the device in place (an escrow order holds it until it
        settles, refunds or is declined), or None when the device is not locked. A locked device
        cannot be transferred or approved by its owner."""
        locker = str(self._call("lockerOf", check_device_id(device_id)))
        return None if int(locker, 16) == 0 else locker

    def is_approved(self, *, owner: str, operator: str | None = None) -> bool:
        """Whether ``operator`` (default: the SupplyChainEscrow) may move all of ``owner``'s
        device records (ERC-721 ``isApprovedForAll``)."""
        return bool(
            self._call(
                "isApprovedForAll",
                _validate.address(owner, field="owner"),
                self._operator(operator),
            )
        )

    def history(self, *, device_id: int) -> tuple[DeviceHistoryEntry, ...]:
        """The device's events in chain order: registration, transfers (the mint first),
        status changes, key rotations and key proofs. Unknown id → DeviceNotFoundError."""
        from fabtrust.chain import iter_logs

        device_id = check_device_id(device_id)
        if not self.exists(device_id=device_id):
            raise DeviceNotFoundError(device_id=device_id)
        binding = self._binding
        decoder = binding.decoder
        topic = device_id_topic(device_id)
        address = self.registry_address
        start = binding.deployment.deployment_block
        to_block = binding.connection.block_number()
        own = [
            decoder.topic(REGISTRY, name)
            for name in (
                "DeviceRegistered",
                "DeviceStatusChanged",
                "DeviceKeyRotated",
                "DeviceKeyProven",
            )
        ]
        queries: list[list[Any]] = [
            [own, topic],
            [decoder.topic(REGISTRY, "Transfer"), None, None, topic],
        ]
        events: list[Event] = []
        for topics in queries:
            for log in iter_logs(
                binding.w3, address=address, topics=topics, from_block=start, to_block=to_block
            ):
                event = decoder.decode(log)
                if event is not None:
                    events.append(event)
        events.sort(key=lambda e: (e.block_number, e.log_index))
        return tuple(self._history_entry(device_id, event, to_block) for event in events)

    def _history_entry(self, device_id: int, event: Event, head: int) -> DeviceHistoryEntry:
        common: dict[str, Any] = {
            "device_id": device_id,
            "block_number": event.block_number,
            "timestamp": self._block_time(event.block_number, head),
            "tx_hash": event.tx_hash,
            "log_index": event.log_index,
        }
        args = event.args
        if event.name == "DeviceRegistered":
            return DeviceRegisteredEntry(
                **common,
                manufacturer=args["manufacturer"],
                owner=args["owner"],
                serial=args["serial"],
                model=args["model"],
                device_key=args["deviceKey"],
                metadata_hash=args["metadataHash"],
            )
        if event.name == "Transfer":
            return DeviceTransferredEntry(
                **common, from_address=args["from"], to_address=args["to"]
            )
        if event.name == "DeviceStatusChanged":
            return DeviceStatusChangedEntry(
                **common,
                previous=DeviceStatus(int(args["previous"])),
                current=DeviceStatus(int(args["current"])),
                changed_by=args["changedBy"],
            )
        if event.name == "DeviceKeyRotated":
            return DeviceKeyRotatedEntry(
                **common, previous_key=args["previousKey"], new_key=args["newKey"]
            )
        if event.name == "DeviceKeyProven":
            return DeviceKeyProvenEntry(**common, device_key=args["deviceKey"])
        raise ChainError(f"unexpected DeviceRegistry event {event.name}")  # pragma: no cover

    # -- managing -------------------------------------------------------------------------------

    def transfer(self, *, device_id: int, to: str, safe: bool = True) -> TxResult:
        """Move the device's record from the signer to ``to`` (ERC-721 ``safeTransferFrom``, or
        ``transferFrom`` with ``safe=False`` for contracts that do not implement
        IERC721Receiver). Not the owner nor approved → ``ERC721InsufficientApprovalError``;
        unknown device → ``ERC721NonexistentTokenError``."""
        device_id = check_device_id(device_id)
        receiver = _validate.address(to, field="to")
        function = "safeTransferFrom" if safe else "transferFrom"
        return self._transact(function, self._binding.address, receiver, device_id)

    def set_status(self, *, device_id: int, status: DeviceStatus | int | str) -> TxResult:
        """Change the device's lifecycle status (the device's manufacturer, or an admin).

        ``status``: :class:`DeviceStatus`, 0-2 or a name (``"suspended"``). Raises
        NotDeviceManagerError, DeviceIsDecommissionedError, StatusUnchangedError,
        DeviceNotFoundError."""
        device_id = check_device_id(device_id)
        value = DeviceStatus.parse(status)
        return self._transact("setDeviceStatus", device_id, int(value))

    def rotate_key(
        self,
        *,
        device_id: int,
        new_key: str | None = None,
        key_signer: Signer | None = None,
    ) -> TxResult:
        """Replace the device's signing key (its manufacturer only; resets ``key_proven``).

        With ``key_signer`` (the new key; ``new_key`` may then be omitted) the rotation proves
        possession and the record keeps ``key_proven=True``. Raises NotDeviceManufacturerError,
        DeviceKeyUnchangedError, DeviceIsDecommissionedError, DeviceNotFoundError."""
        device_id = check_device_id(device_id)
        if key_signer is not None and not isinstance(key_signer, Signer):
            raise InvalidInputError("key_signer must be a fabtrust Signer", field="key_signer")
        if new_key is None:
            if key_signer is None:
                raise InvalidInputError("new_key is required", field="new_key")
            new_key = key_signer.address
        key = _validate.address(new_key, field="new_key")
        if key_signer is None:
            return self._transact("rotateDeviceKey", device_id, key)
        if key_signer.address != key:
            raise InvalidInputError(
                f"key_signer {key_signer.address} does not hold new_key {key}", field="key_signer"
            )
        manufacturer = str(self._call("device", device_id)[0])
        signature = self._key_proof(key_signer, manufacturer=manufacturer, device_id=device_id)
        return self._transact("rotateDeviceKeyWithProof", device_id, key, signature)

    def prove_key(self, *, device_id: int, key_signer: Signer) -> TxResult:
        """Prove possession of the device's current key after the fact (e.g. after a batch
        registration); anyone may send it. Raises DeviceKeyAlreadyProvenError,
        DeviceIsDecommissionedError, DeviceNotFoundError; a ``key_signer`` that is not the
        device's key → InvalidInputError."""
        device_id = check_device_id(device_id)
        if not isinstance(key_signer, Signer):
            raise InvalidInputError("key_signer must be a fabtrust Signer", field="key_signer")
        manufacturer, _, _, _, device_key = self._call("device", device_id)
        if key_signer.address != device_key:
            raise InvalidInputError(
                f"key_signer {key_signer.address} is not the key of device {device_id} "
                f"({device_key})",
                field="key_signer",
            )
        signature = self._key_proof(key_signer, manufacturer=str(manufacturer), device_id=device_id)
        return self._transact("proveDeviceKey", device_id, signature)

    def approve_escrow(self, *, operator: str | None = None, approved: bool = True) -> TxResult:
        """Let ``operator`` (default: the SupplyChainEscrow) move all of the signer's device
        records (ERC-721 ``setApprovalForAll``); ``approved=False`` withdraws it. A seller needs
        the escrow's approval before any ``createOrder`` naming it (the escrow locks the order's
        devices at creation and moves them to the buyer at settlement): the SDK's one way to
        grant it (CLI ``fabtrust order approve-escrow``); :meth:`is_approved` reads it."""
        return self._transact("setApprovalForAll", self._operator(operator), bool(approved))

    def _key_proof(self, key_signer: Signer, *, manufacturer: str, device_id: int) -> bytes:
        """Sign ``DeviceKeyProof`` after checking our digest against the contract's."""
        typed = device_key_proof_typed_data(
            chain_id=self._binding.connection.chain_id,
            registry=self.registry_address,
            manufacturer=manufacturer,
            device_id=device_id,
            device_key=key_signer.address,
        )
        local = typed_data_digest(typed)
        onchain = (
            "0x"
            + bytes(self._call("keyProofDigest", manufacturer, device_id, key_signer.address)).hex()
        )
        if local != onchain:
            raise ChainError(
                f"EIP-712 mismatch: the DeviceRegistry at {self.registry_address} computes key "
                f"proof digest {onchain}, the SDK {local} (different contract version or domain?)"
            )
        return key_signer.sign_typed_data(typed)

    # -- plumbing -------------------------------------------------------------------------------

    def _operator(self, operator: str | None) -> str:
        if operator is None:
            return str(self._binding.deployment.contract("SupplyChainEscrow").address)
        return _validate.address(operator, field="operator")

    def _call(self, function: str, *args: Any, block: int | str = "latest") -> Any:
        return self._binding.call(REGISTRY, function, *args, block=block)

    def _transact(self, function: str, *args: Any, gas: int | None = None) -> TxResult:
        return self._binding.transact(REGISTRY, function, *args, gas=gas)

    def _block_gas_limit(self) -> int:
        block = self._binding.rpc(
            lambda: self._binding.w3.eth.get_block("latest"), "eth_getBlockByNumber"
        )
        return int(block["gasLimit"])

    def _block_time(self, number: int, head: int) -> datetime:
        return datetime.fromtimestamp(self._timestamp(number, head), tz=timezone.utc)

    def _timestamp(self, number: int, head: int) -> int:
        """A block's timestamp; cached once the block is deep enough not to be re-orged."""
        with self._lock:
            cached = self._timestamps.get(number)
        if cached is not None:
            return cached
        block = self._binding.rpc(
            lambda: self._binding.w3.eth.get_block(number), "eth_getBlockByNumber"
        )
        value = int(block["timestamp"])
        if head - number < _FINAL_DEPTH:
            return value
        with self._lock:
            if len(self._timestamps) > 4096:
                self._timestamps.clear()
            self._timestamps[number] = value
        return value

    def _registration_event(self, device_id: int, registered_at: int, head: int) -> Event | None:
        """The device's ``DeviceRegistered`` event. On a long chain the blocks stamped
        ``registered_at`` are found by binary search first, so one short range is scanned instead
        of the whole history."""
        start = self._binding.deployment.deployment_block
        low, high = start, head
        if head - start > self.direct_scan_blocks:
            low = self._first_block(start, head, lambda ts: ts >= registered_at, head)
            high = self._first_block(low, head, lambda ts: ts > registered_at, head) - 1
        ranges = [(low, high)] if (low, high) == (start, head) else [(low, high), (start, head)]
        for first, last in ranges:
            if first > last:
                continue
            found = self._binding.events(
                REGISTRY,
                "DeviceRegistered",
                topics=[device_id_topic(device_id)],
                from_block=first,
                to_block=last,
            )
            event = next(iter(found), None)
            if event is not None:
                return event
        return None

    def _first_block(self, low: int, high: int, condition: Callable[[int], bool], head: int) -> int:
        """The first block in ``[low, high]`` whose timestamp meets ``condition`` (timestamps
        never decrease), or ``high + 1``."""
        while low <= high:
            middle = (low + high) // 2
            if condition(self._timestamp(middle, head)):
                high = middle - 1
            else:
                low = middle + 1
        return low


class _ChunkedRegistration:
    """One ``register_many`` call: its outcomes, and the loop sending the pending devices in
    ``registerDevices`` chunks sized to the gas budget (sampled, re-estimated, shrunk to fit,
    measured on each mined chunk), skipping devices another process registered meanwhile."""

    def __init__(
        self,
        *,
        binding: Binding,
        registry: str,
        specs: Sequence[DeviceSpec],
        ids: Sequence[int],
        manufacturer: str,
        progress: Callable[[BatchProgress], None] | None,
    ) -> None:
        self._binding = binding
        self._registry = registry
        self._specs = specs
        self._ids = ids
        self._manufacturer = manufacturer
        self._progress = progress
        self._outcomes: list[DeviceOutcome | None] = [None] * len(specs)
        sender = binding.sender
        self._multiplier = float(sender.gas_multiplier) if sender is not None else 1.2
        self._prepared: tuple[tuple[int, ...], dict[str, Any], int] | None = None
        self._chunks = 0

    def outcomes(self) -> tuple[DeviceOutcome, ...]:
        final = tuple(o for o in self._outcomes if o is not None)
        assert len(final) == len(self._specs)
        return final

    def skip(self, index: int) -> None:
        """Device ``index`` was registered before: nothing is sent for it."""
        self._outcomes[index] = DeviceOutcome(
            index=index,
            serial=self._specs[index].serial,
            device_id=self._ids[index],
            status="already_registered",
        )

    def send(
        self,
        pending: list[int],
        *,
        chunk_size: int | None,
        budget: int,
        block_gas_limit: int,
        registered_flags: Callable[[Sequence[int]], list[bool]],
    ) -> int:
        """Register ``pending`` (input indices); returns the number of chunks mined."""
        races = 0
        per_device: float | None = None
        while pending:
            try:
                if per_device is None:
                    sample = pending[: min(len(pending), chunk_size or SAMPLE_SIZE)]
                    per_device = self._estimate(sample) / len(sample)
                size = plan_size(
                    per_device_gas=per_device,
                    budget=budget,
                    multiplier=self._multiplier,
                    cap=chunk_size,
                )
                chunk = pending[:size]
                gas = gas_with_margin(self._estimate(chunk), self._multiplier, block_gas_limit)
                while gas > budget and len(chunk) > 1:
                    chunk = chunk[: fit_size(size=len(chunk), gas=gas, budget=budget)]
                    gas = gas_with_margin(self._estimate(chunk), self._multiplier, block_gas_limit)
                params = self._prepare(chunk)[0]
                tx = self._binding.send({**params, "gas": gas}, label=f"{REGISTRY}.registerDevices")
            except DeviceAlreadyRegisteredError as exc:
                # Another process registered some of these meanwhile: skip them and go on.
                races += 1
                flags = registered_flags([self._ids[i] for i in pending])
                newly = {i for i, flag in zip(pending, flags, strict=True) if flag}
                if not newly or races > _MAX_RACE_RETRIES:
                    raise exc from None
                for index in sorted(newly):
                    self.skip(index)
                pending = [i for i in pending if i not in newly]
                continue
            self._record(chunk, tx)
            pending = pending[len(chunk) :]
            if len(chunk) > 1:
                per_device = max(per_device, tx.gas_used / len(chunk))
        return self._chunks

    def _rows(self, indices: Sequence[int]) -> list[tuple[Any, ...]]:
        return [
            (
                self._specs[i].serial,
                _b32(self._specs[i].model),
                self._specs[i].device_key,
                _b32(self._specs[i].metadata_hash),
                self._specs[i].owner or self._manufacturer,
            )
            for i in indices
        ]

    def _prepare(self, indices: Sequence[int]) -> tuple[dict[str, Any], int]:
        """The transaction registering ``indices`` and its gas estimate (encoded once: the
        sample is often the first chunk)."""
        key = tuple(indices)
        if self._prepared is None or self._prepared[0] != key:
            data = self._binding.encode(REGISTRY, "registerDevices", self._rows(indices))
            params = {"to": self._registry, "data": data}
            self._prepared = (key, params, self._binding.estimate(params))
        return self._prepared[1], self._prepared[2]

    def _estimate(self, indices: Sequence[int]) -> int:
        return self._prepare(indices)[1]

    def _record(self, chunk: Sequence[int], tx: TxResult) -> None:
        """Check the mined chunk registered exactly ``chunk``, record it, report progress."""
        minted = [int(e["deviceId"]) for e in tx.events_named("DeviceRegistered")]
        if minted != [self._ids[i] for i in chunk]:
            raise ChainError(
                f"transaction {tx.tx_hash} registered other devices than the chunk sent"
            )
        for index in chunk:
            self._outcomes[index] = DeviceOutcome(
                index=index,
                serial=self._specs[index].serial,
                device_id=self._ids[index],
                status="registered",
                tx_hash=tx.tx_hash,
                block_number=tx.block_number,
            )
        self._chunks += 1
        if self._progress is not None:
            done = [o for o in self._outcomes if o is not None]
            self._progress(
                BatchProgress(
                    done=len(done),
                    total=len(self._specs),
                    registered=sum(1 for o in done if o.status == "registered"),
                    already_registered=sum(1 for o in done if o.already_registered),
                    chunk=self._chunks,
                    chunk_size=len(chunk),
                    tx_hash=tx.tx_hash,
                )
            )


def _b32(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def _check_specs(devices: Any) -> list[DeviceSpec]:
    if isinstance(devices, str | bytes) or not isinstance(devices, Iterable):
        raise InvalidInputError("devices must be a sequence of DeviceSpec", field="devices")
    specs = list(devices)
    for index, spec in enumerate(specs):
        if not isinstance(spec, DeviceSpec):
            raise InvalidInputError(
                f"devices[{index}] must be a DeviceSpec, got {type(spec).__name__}",
                field=f"devices[{index}]",
            )
    return specs
