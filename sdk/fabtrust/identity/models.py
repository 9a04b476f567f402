"""Frozen models of the identity domain: devices, registration inputs and results, history.

Light module (pydantic and the standard library). Addresses are EIP-55 checksummed, ``bytes32``
values ``0x`` + 64 lowercase hex digits, times timezone-aware UTC datetimes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from enum import IntEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from fabtrust import _validate
from fabtrust._validate import ZERO_BYTES32
from fabtrust.errors import InvalidInputError
from fabtrust.identity._inputs import (
    check_model,
    check_serial,
    model_text,
)
from fabtrust.models import TxResult

__all__ = [
    "BatchProgress",
    "BatchRegistration",
    "Device",
    "DeviceHistoryEntry",
    "DeviceKeyProvenEntry",
    "DeviceKeyRotatedEntry",
    "DeviceOutcome",
    "DeviceRegisteredEntry",
    "DeviceRegistration",
    "DeviceSpec",
    "DeviceStatus",
    "DeviceStatusChangedEntry",
    "DeviceTransferredEntry",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())


class DeviceStatus(IntEnum):
    """Lifecycle status of a device (``IDeviceRegistry.DeviceStatus``). Decommissioned is final."""

    ACTIVE = 0
    SUSPENDED = 1
    DECOMMISSIONED = 2

    @classmethod
    def parse(cls, value: Any, field: str = "status") -> DeviceStatus:
        """A status from the enum, its number (0-2) or its name (``"suspended"``, any case)."""
        if isinstance(value, cls):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                pass
        elif isinstance(value, str):
            name = value.strip().upper()
            if name in cls.__members__:
                return cls[name]
        raise InvalidInputError(
            f"{field} must be one of Active, Suspended, Decommissioned (or 0-2), got {value!r}",
            field=field,
        )

    @property
    def label(self) -> str:
        """``"Active"``, ``"Suspended"`` or ``"Decommissioned"``."""
        return self.name.capitalize()


class DeviceSpec(BaseModel):
    """One device to register (a row of a ``registerDevices`` batch).

    ``model``: text (UTF-8, at most 32 bytes, stored right-padded) or a 32-byte value;
    ``device_key``: the device's signing address (non-zero); ``metadata_hash``: 32 bytes (default
    zero); ``owner``: the first owner (None: the registering account). Bad values raise
    :class:`~fabtrust.errors.InvalidInputError` naming the field.
    """

    model_config = _FROZEN

    serial: str
    model: str
    device_key: str
    metadata_hash: str = ZERO_BYTES32
    owner: str | None = None

    def __init__(
        self,
        *,
        serial: str,
        model: str | bytes,
        device_key: str,
        metadata_hash: str | bytes | None = None,
        owner: str | None = None,
    ) -> None:
        try:
            super().__init__(
                serial=serial,
                model=model,
                device_key=device_key,
                metadata_hash=ZERO_BYTES32 if metadata_hash is None else metadata_hash,
                owner=owner,
            )
        except ValidationError as exc:
            raise _validate.from_validation_error(exc) from None

    @field_validator("serial", mode="plain")
    @classmethod
    def _serial(cls, value: Any) -> str:
        return check_serial(value)

    @field_validator("model", mode="plain")
    @classmethod
    def _model(cls, value: Any) -> str:
        return check_model(value)

    @field_validator("device_key", mode="plain")
    @classmethod
    def _device_key(cls, value: Any) -> str:
        return _validate.address(value, field="device_key")

    @field_validator("metadata_hash", mode="plain")
    @classmethod
    def _metadata_hash(cls, value: Any) -> str:
        return _validate.bytes32(value, field="metadata_hash")

    @field_validator("owner", mode="plain")
    @classmethod
    def _owner(cls, value: Any) -> str | None:
        return None if value is None else _validate.address(value, field="owner")

    @property
    def model_text(self) -> str | None:
        """The model as text when it was given as text, else None."""
        return model_text(self.model)

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str]) -> list[DeviceSpec]:
        """Read ``serial,model,device_key,metadata_hash,owner`` rows (header line first).

        ``metadata_hash`` and ``owner`` may be empty or absent (zero hash / the registering
        account); blank lines and lines starting with ``#`` are skipped. Errors raise
        :class:`~fabtrust.identity.errors.DeviceCsvError` (an InvalidInputError) naming the file,
        the line and the column.
        """
        from fabtrust.identity._csv import read_device_rows

        specs: list[DeviceSpec] = []
        for line, row in read_device_rows(path):
            specs.append(cls._from_row(row, path=str(path), line=line))
        return specs

    @classmethod
    def _from_row(cls, row: Mapping[str, str], *, path: str, line: int) -> DeviceSpec:
        from fabtrust.identity.errors import DeviceCsvError

        try:
            return cls(
                serial=row["serial"],
                model=row["model"],
                device_key=row["device_key"],
                metadata_hash=row.get("metadata_hash") or None,
                owner=row.get("owner") or None,
            )
        except InvalidInputError as exc:
            column = exc.field or "?"
            message = str(exc)
            raise DeviceCsvError(message, path=path, line=line, column=column) from None


class Device(BaseModel):
    """A registered device: the stored record, its ERC-721 owner, and what ``DeviceRegistered``
    recorded (serial, model, metadata hash, registration transaction)."""

    model_config = _FROZEN

    device_id: int
    manufacturer: str
    owner: str
    device_key: str
    status: DeviceStatus
    key_proven: bool
    registered_at: datetime
    serial: str
    model: str
    model_text: str | None
    metadata_hash: str
    registered_block: int
    registered_tx: str
    locker: str | None = None
    """The contract holding the device locked in place (an escrow order), or None."""

    @property
    def is_locked(self) -> bool:
        return self.locker is not None

    @property
    def is_active(self) -> bool:
        return self.status is DeviceStatus.ACTIVE


class DeviceRegistration(BaseModel):
    """The result of :meth:`DevicesClient.register`: the device and the transaction, or
    ``already_registered=True`` (and no transaction) when ``exist_ok`` found it registered."""

    model_config = _FROZEN

    device_id: int
    serial: str
    manufacturer: str
    owner: str
    device_key: str
    model: str
    metadata_hash: str
    key_proven: bool
    already_registered: bool = False
    tx: TxResult | None = None


class DeviceOutcome(BaseModel):
    """What :meth:`DevicesClient.register_many` did with the input device number ``index``."""

    model_config = _FROZEN

    index: int
    serial: str
    device_id: int
    status: Literal["registered", "already_registered"]
    tx_hash: str | None = None
    block_number: int | None = None

    @property
    def already_registered(self) -> bool:
        return self.status == "already_registered"


class BatchProgress(BaseModel):
    """Reported after each chunk: ``done`` of ``total`` input devices are registered (by this
    run or before it); ``chunk`` is the 1-based number of the chunk just mined."""

    model_config = _FROZEN

    done: int
    total: int
    registered: int
    already_registered: int
    chunk: int
    chunk_size: int
    tx_hash: str

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


class BatchRegistration(BaseModel):
    """The result of :meth:`DevicesClient.register_many`: one outcome per input, in input order."""

    model_config = _FROZEN

    outcomes: tuple[DeviceOutcome, ...]
    chunks: int

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def registered(self) -> tuple[DeviceOutcome, ...]:
        """Devices registered by this call."""
        return tuple(o for o in self.outcomes if o.status == "registered")

    @property
    def already_registered(self) -> tuple[DeviceOutcome, ...]:
        """Devices found registered before (not sent again)."""
        return tuple(o for o in self.outcomes if o.status == "already_registered")

    @property
    def device_ids(self) -> tuple[int, ...]:
        return tuple(o.device_id for o in self.outcomes)

    @property
    def tx_hashes(self) -> tuple[str, ...]:
        """The transactions sent, in order."""
        seen: dict[str, None] = {}
        for o in self.outcomes:
            if o.tx_hash is not None:
                seen.setdefault(o.tx_hash, None)
        return tuple(seen)


class DeviceHistoryEntry(BaseModel):
    """One event in a device's history (see the subclasses), in chain order."""

    model_config = _FROZEN

    kind: str
    device_id: int
    block_number: int
    timestamp: datetime
    tx_hash: str
    log_index: int


class DeviceRegisteredEntry(DeviceHistoryEntry):
    """``DeviceRegistered``: the device was registered and its record minted to ``owner``."""

    kind: Literal["registered"] = "registered"
    manufacturer: str
    owner: str
    serial: str
    model: str
    device_key: str
    metadata_hash: str


class DeviceTransferredEntry(DeviceHistoryEntry):
    """ERC-721 ``Transfer``: custody moved (``from_address`` zero for the mint)."""

    kind: Literal["transferred"] = "transferred"
    from_address: str
    to_address: str


class DeviceStatusChangedEntry(DeviceHistoryEntry):
    """``DeviceStatusChanged``."""

    kind: Literal["status_changed"] = "status_changed"
    previous: DeviceStatus
    current: DeviceStatus
    changed_by: str


class DeviceKeyRotatedEntry(DeviceHistoryEntry):
    """``DeviceKeyRotated``: the signing key was replaced."""

    kind: Literal["key_rotated"] = "key_rotated"
    previous_key: str
    new_key: str


class DeviceKeyProvenEntry(DeviceHistoryEntry):
    """``DeviceKeyProven``: the current key proved possession."""

    kind: Literal["key_proven"] = "key_proven"
    device_key: str
