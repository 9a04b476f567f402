"""Parsers for command-line values: each bad value is one InvalidInputError naming the option.

Commands take their options as text and parse them here, inside the body, so that the
:func:`~fabtrust.cli._context.command` wrapper turns a bad value into one line on stderr and exit
code 2, e.g. ``error: --ship-by: '2024-13-01' is not a date (use YYYY-MM-DD or +7d)``.

Light module: the standard library, :mod:`fabtrust.errors` and :mod:`fabtrust._validate` (which
parses addresses, bytes32 values and amounts for the SDK and the CLI alike); keccak, eth-account
and the SDK clients are imported inside the functions that need them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from fabtrust import _validate
from fabtrust.errors import ChainError, DeploymentNotFoundError, InvalidInputError

if TYPE_CHECKING:
    import typer

    from fabtrust.client import Fabtrust

    from ._context import CliSettings

__all__ = [
    "ROLES",
    "DeviceRef",
    "When",
    "bad",
    "chain_now",
    "client_of",
    "parse_address",
    "parse_amount",
    "parse_bps",
    "parse_bytes32",
    "parse_device_id",
    "parse_device_ids",
    "parse_device_ref",
    "parse_duration",
    "parse_optional_file",
    "parse_order_id",
    "parse_readable_file",
    "parse_role",
    "parse_when",
    "problem",
    "settings_client",
]

_DEV_RE = re.compile(r"dev:(\d)")
_DURATION_PART_RE = re.compile(r"(\d+)([wdhms])")
_UNIT_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}

ROLES: dict[str, str] = {
    "manufacturer": "MANUFACTURER_ROLE",
    "lab": "LAB_ROLE",
    "arbiter": "ARBITER_ROLE",
    "admin": "DEFAULT_ADMIN_ROLE",
}
"""CLI role names and the AccessControl role they stand for."""


def bad(option: str, value: object, problem: str) -> InvalidInputError:
    """The one-line error for a bad option value: ``--ship-by: '2024-13-01' is not a date``."""
    return _validate.bad(option, value, problem)


def problem(option: str, message: str) -> InvalidInputError:
    """A one-line error about an option as a whole: ``--seed-file: is only used with --data``."""
    return InvalidInputError(f"{option}: {message}", field=option.lstrip("-"))


# -- chain-free values -------------------------------------------------------------------------


def parse_address(text: str, *, option: str, allow_zero: bool = False) -> str:
    """An address as :func:`fabtrust._validate.address` reads it (``0x`` + 40 hex digits, mixed
    case a valid EIP-55 checksum), or ``dev:N`` for development account N of the local test
    mnemonic."""
    dev = _DEV_RE.fullmatch(text.strip())
    if dev is not None:
        from fabtrust.accounts import Signer

        return Signer.dev(int(dev.group(1))).address
    if not text.strip().lower().startswith("0x"):
        raise bad(option, text, "is not an address (use 0x + 40 hex digits, or dev:N)")
    return _validate.address(text, field=option, allow_zero=allow_zero)


def parse_bytes32(text: str, *, option: str) -> str:
    """``0x`` + 64 hex digits, returned lowercase (:func:`fabtrust._validate.bytes32`)."""
    return _validate.bytes32(text, field=option)


def parse_device_id(text: str, *, option: str) -> int:
    """A device id: decimal digits or ``0x`` hex, within uint256."""
    value = text.strip().replace("_", "")
    try:
        if value.lower().startswith("0x") and len(value) > 2:
            number = int(value[2:], 16)
        elif value.isdigit():
            number = int(value, 10)
        else:
            raise ValueError(value)
    except ValueError:
        raise bad(option, text, "is not a device id (use decimal digits or 0x hex)") from None
    if number > _validate.UINT256_MAX:
        raise bad(option, text, "is too large for a device id (uint256)")
    return number


def parse_order_id(text: str, *, option: str = "ORDER") -> int:
    """An order id: a positive decimal integer (ids start at 1)."""
    value = text.strip()
    if not value.isdigit() or int(value) == 0 or int(value) > _validate.UINT256_MAX:
        raise bad(option, text, "is not an order id (a positive integer)")
    return int(value)


def parse_device_ids(text: str, *, option: str) -> list[int]:
    """A comma-separated list of device ids (``12,0x1f``); at least one."""
    parts = [part for part in (p.strip() for p in text.split(",")) if part]
    if not parts:
        raise bad(option, text, "lists no device ids (use ID,ID,...)")
    return [parse_device_id(part, option=option) for part in parts]


@dataclass(frozen=True)
class DeviceRef:
    """A device named by its id, or by ``MANUFACTURER/SERIAL`` (the id is computed)."""

    device_id: int
    manufacturer: str | None = None
    serial: str | None = None

    def __str__(self) -> str:
        if self.serial is not None:
            return f"{self.manufacturer}/{self.serial} (id {self.device_id})"
        return str(self.device_id)


def parse_device_ref(text: str, *, option: str) -> DeviceRef:
    """A device id (decimal or ``0x``), or ``MANUFACTURER/SERIAL`` where MANUFACTURER is the
    registering account's address (or ``dev:N``): the id is ``keccak256(abi.encode(m, serial))``."""
    if "/" in text:
        maker_text, serial = text.split("/", 1)
        if not serial.strip():
            raise bad(option, text, "has an empty serial (use MANUFACTURER/SERIAL)")
        maker = parse_address(maker_text, option=option)
        from fabtrust.evidence.typed_data import device_id_of

        return DeviceRef(device_id=device_id_of(maker, serial), manufacturer=maker, serial=serial)
    return DeviceRef(device_id=parse_device_id(text, option=option))


def parse_duration(text: str, *, option: str) -> int:
    """Seconds from ``7d``, ``36h``, ``90m``, ``45s``, ``2w``, combinations (``1d12h``) or plain
    seconds (``3600``). Zero is refused."""
    value = text.strip().lower().replace(" ", "")
    if value.isdigit():
        seconds = int(value)
    elif value and _DURATION_PART_RE.sub("", value) == "":
        seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART_RE.findall(value))
    else:
        raise bad(option, text, "is not a duration (use 7d, 36h, 90m, 45s or seconds)")
    if seconds <= 0:
        raise bad(option, text, "is not a positive duration")
    return seconds


@dataclass(frozen=True)
class When:
    """A moment: absolute unix seconds, or an offset from "now" (``+7d``) that the command
    resolves against the chain's clock (the latest block time), as the contracts compare."""

    seconds: int
    relative: bool = False

    def resolve(self, now: int) -> int:
        """Unix seconds, taking ``now`` (the chain's time) as the base of a relative moment."""
        return now + self.seconds if self.relative else self.seconds


def parse_when(text: str, *, option: str) -> When:
    """A date: ``YYYY-MM-DD`` (valid through that whole day: the moment is the next midnight
    UTC), an ISO datetime (``2025-06-30T12:00``, UTC unless it names a zone), unix seconds
    (``@1751284800``), or ``+DURATION`` from now (``+7d``, ``+36h``)."""
    value = text.strip()
    problem = "is not a date (use YYYY-MM-DD or +7d)"
    if value.startswith("+"):
        try:
            return When(parse_duration(value[1:], option=option), relative=True)
        except InvalidInputError:
            raise bad(option, text, problem) from None
    if value.startswith("@") and value[1:].isdigit():
        return When(int(value[1:]))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise bad(option, text, problem) from None
        midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        return When(int((midnight + timedelta(days=1)).timestamp()))
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\S+", value):
        raise bad(option, text, problem)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad(option, text, problem) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds = int(moment.timestamp())
    if seconds < 0:
        raise bad(option, text, "is before 1970")
    return When(seconds)


def parse_amount(text: str, *, decimals: int, option: str = "--amount") -> int:
    """A positive amount such as ``1,250.00`` in base units of a token with ``decimals``."""
    units = _validate.parse_amount(text, decimals, field=option)
    if units == 0:
        raise bad(option, text, "is zero: an order needs a positive amount")
    return units


def parse_bps(text: str, *, option: str) -> int:
    """Basis points: an integer 0..10000 (10000 = 100 %)."""
    value = text.strip()
    if not value.isdigit() or int(value) > 10_000:
        raise bad(option, text, "is not a share in basis points (an integer 0..10000)")
    return int(value)


def parse_role(text: str, *, option: str = "ROLE") -> str:
    """A role name (manufacturer, lab, arbiter, admin) as its AccessControl role name."""
    role = ROLES.get(text.strip().lower())
    if role is None:
        raise bad(option, text, f"is not a role (one of: {', '.join(ROLES)})")
    return role


def parse_readable_file(text: str | Path, *, option: str) -> Path:
    """A path to an existing, readable regular file."""
    path = Path(text)
    if not path.exists():
        raise bad(option, str(text), "does not exist")
    if not path.is_file():
        raise bad(option, str(text), "is not a file")
    try:
        with path.open("rb") as file:
            file.read(1)
    except OSError as exc:
        raise bad(option, str(text), f"cannot be read ({exc.strerror or exc})") from None
    return path


def parse_optional_file(text: str | Path | None, *, option: str) -> Path | None:
    """:func:`parse_readable_file` for an option that may be absent."""
    return None if text is None else parse_readable_file(text, option=option)


# -- the connection ------------------------------------------------------------------------------


def client_of(ctx: typer.Context, *, signer: bool = True) -> Fabtrust:
    """The connected client of the global options (--rpc-url, --account, --deployments).

    A missing deployment registry for the chain is reported as a chain problem (exit code 3),
    as the exit codes document ("no deployment for it").
    """
    from ._context import settings_of

    return settings_client(settings_of(ctx), signer=signer)


def settings_client(settings: CliSettings, *, signer: bool = True) -> Fabtrust:
    """:func:`client_of` for settings at hand (the light `cert verify` has no typer context)."""
    try:
        return settings.client(signer=signer)
    except DeploymentNotFoundError as exc:
        raise ChainError(str(exc)) from None


def chain_now(client: Fabtrust) -> int:
    """The latest block's timestamp: the clock the contracts compare dates with."""
    from fabtrust.errors import FabtrustError

    try:
        block = client.chain.w3.eth.get_block("latest")
    except FabtrustError:
        raise
    except Exception as exc:
        raise ChainError(f"cannot read the latest block: {exc}") from None
    return int(block["timestamp"])
