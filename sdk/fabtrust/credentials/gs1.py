"""GS1 identifiers for devices: GTIN check digits and GS1 Digital Link URIs.

A device is identified on its nameplate (and in the EU Digital Product Passport registry) by a GS1
Digital Link URI: ``https://id.gs1.org/01/<GTIN-14>/21/<serial>``. fabtrust does not store the GTIN
on chain; the manufacturer puts it in the device's **metadata document**, a JSON file whose
SHA-256 is the ``metadataHash`` committed by ``DeviceRegistered`` (``fabtrust device register
--metadata FILE``). :func:`load_device_metadata` reads such a file and checks it against the
chain's digest; :func:`device_digital_link` is the one call that gives a device's URI (for a QR
code, a credential, ``fabtrust device show``).

Rules (GS1 General Specifications, GS1 Digital Link URI Syntax 1.x):

- GTIN-8, -12, -13 or -14, digits only, the last digit the mod-10 check digit (weights 3,1,3,...
  from the right, check digit excluded); in a Digital Link it is written as 14 digits
  (left-padded with zeros).
- Serial number, AI (21): 1 to 20 characters of GS1 AI encodable character set 82; characters
  outside RFC 3986 "unreserved" are percent-encoded in the URI path.

Light module: the standard library and pydantic.
"""

from __future__ import annotations

import json
import os
import re
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from pydantic import BaseModel, ConfigDict

from fabtrust.errors import InvalidInputError

if TYPE_CHECKING:
    from fabtrust.identity import Device

__all__ = [
    "DEFAULT_RESOLVER",
    "GTIN_LENGTHS",
    "DeviceMetadata",
    "DigitalLink",
    "check_gtin",
    "check_serial",
    "device_digital_link",
    "digital_link",
    "digital_link_of",
    "gtin_check_digit",
    "load_device_metadata",
    "parse_digital_link",
]

DEFAULT_RESOLVER = "https://id.gs1.org"
"""GS1's global resolver: the default domain of the Digital Link URIs fabtrust builds."""

GTIN_LENGTHS = (8, 12, 13, 14)
"""The lengths a GTIN may have."""

_CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
_SERIAL_MAX = 20
_UNRESERVED = "-._~"  # RFC 3986 unreserved (besides letters and digits): never percent-encoded


def gtin_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of ``digits`` (a GTIN without its last digit)."""
    if not digits.isdigit() or not digits.isascii():
        raise InvalidInputError(f"GTIN {digits!r}: digits only", field="gtin")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def check_gtin(value: str) -> str:
    """``value`` as a valid GTIN-14 (GTIN-8/12/13 are left-padded with zeros).

    InvalidInputError names the problem: not digits, a wrong length, a wrong check digit.
    """
    if not isinstance(value, str):
        raise InvalidInputError("a GTIN must be text (digits)", field="gtin")
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        raise InvalidInputError(f"GTIN {value!r} must be digits only", field="gtin")
    if len(text) not in GTIN_LENGTHS:
        raise InvalidInputError(
            f"GTIN {text} has {len(text)} digits (a GTIN has 8, 12, 13 or 14)", field="gtin"
        )
    expected = gtin_check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise InvalidInputError(
            f"GTIN {text}: wrong check digit {text[-1]} (expected {expected})", field="gtin"
        )
    return text.rjust(14, "0")


def check_serial(value: str) -> str:
    """``value`` as a GS1 serial number, AI (21): 1-20 characters of character set 82."""
    if not isinstance(value, str) or not value:
        raise InvalidInputError("a GS1 serial number (AI 21) must not be empty", field="serial")
    if len(value) > _SERIAL_MAX:
        raise InvalidInputError(
            f"serial {value!r} has {len(value)} characters (AI 21 allows at most {_SERIAL_MAX})",
            field="serial",
        )
    bad = sorted({c for c in value if c not in _CSET82})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        raise InvalidInputError(
            f"serial {value!r} has character(s) {shown} outside GS1 character set 82 (AI 21)",
            field="serial",
        )
    return value


def _resolver(resolver: str) -> str:
    parts = urlsplit(resolver)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidInputError(
            f"resolver {resolver!r} must be an http(s) URL without query or fragment",
            field="resolver",
        )
    return resolver.rstrip("/")


class DigitalLink(BaseModel):
    """A parsed GS1 Digital Link URI (GTIN as 14 digits, optional serial, the resolver)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gtin: str
    serial: str | None = None
    resolver: str = DEFAULT_RESOLVER

    @property
    def uri(self) -> str:
        """The canonical URI: ``<resolver>/01/<gtin14>[/21/<serial percent-encoded>]``."""
        return digital_link(gtin=self.gtin, serial=self.serial, resolver=self.resolver)

    @property
    def element_string(self) -> str:
        """The GS1 element string in human-readable form, e.g. ``(01)09520123456788(21)12345``."""
        return f"(01){self.gtin}" + (f"(21){self.serial}" if self.serial is not None else "")


def digital_link(*, gtin: str, serial: str | None = None, resolver: str = DEFAULT_RESOLVER) -> str:
    """The GS1 Digital Link URI of a GTIN (and serial): what a device's QR code encodes.

    >>> digital_link(gtin="9520123456788", serial="12345")
    'https://id.gs1.org/01/09520123456788/21/12345'
    """
    uri = f"{_resolver(resolver)}/01/{check_gtin(gtin)}"
    if serial is not None:
        uri += "/21/" + quote(check_serial(serial), safe=_UNRESERVED)
    return uri


def parse_digital_link(uri: str) -> DigitalLink:
    """Parse ``https://<domain>[/prefix]/01/<gtin>[/21/<serial>]`` (check digit and serial
    validated; the resolver is everything before ``/01/``). Query strings are ignored."""
    if not isinstance(uri, str):
        raise InvalidInputError("a Digital Link URI must be text", field="uri")
    parts = urlsplit(uri.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidInputError(f"{uri!r} is not an http(s) GS1 Digital Link URI", field="uri")
    match = re.fullmatch(
        r"(?P<prefix>(?:/[^/]+)*?)/01/(?P<gtin>[^/]+)(?:/21/(?P<serial>[^/]+))?/?", parts.path
    )
    if match is None:
        raise InvalidInputError(
            f"{uri!r} is not a GS1 Digital Link to a GTIN (expected /01/<GTIN>[/21/<serial>])",
            field="uri",
        )
    raw_gtin = match.group("gtin")
    if len(raw_gtin) != 14:
        raise InvalidInputError(
            f"{uri!r}: a Digital Link writes the GTIN with 14 digits, not {len(raw_gtin)}",
            field="uri",
        )
    serial = match.group("serial")
    return DigitalLink(
        gtin=check_gtin(raw_gtin),
        serial=check_serial(unquote(serial)) if serial is not None else None,
        resolver=f"{parts.scheme}://{parts.netloc}{match.group('prefix')}",
    )


class DeviceMetadata(BaseModel):
    """A device's metadata document (JSON), committed on chain by its SHA-256 (``metadataHash``).

    fabtrust reads ``gtin`` (GTIN-8/12/13/14, check digit validated, kept as 14 digits) and
    ``gs1_serial`` (the AI 21 serial when it differs from the registered serial); every other
    field is the manufacturer's and is kept as is in ``extra``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: str
    gtin: str | None = None
    gs1_serial: str | None = None
    extra: dict[str, Any] = {}


def load_device_metadata(
    source: str | bytes | os.PathLike[str], *, expected_sha256: str | None = None
) -> DeviceMetadata:
    """Read a device metadata document (a path, or the file's bytes).

    With ``expected_sha256`` (the device's on-chain ``metadata_hash``) the file must hash to it:
    a GTIN is only believed when the chain commits to the document that states it.
    """
    if isinstance(source, bytes):
        data, name = source, "the metadata document"
    else:
        path = Path(source)
        name = path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInputError(
                f"cannot read {path}: {exc.strerror or exc}", field="metadata"
            ) from None
    digest = "0x" + sha256(data).hexdigest()
    if expected_sha256 is not None and digest != expected_sha256.lower():
        raise InvalidInputError(
            f"{name} hashes to {digest}, the device's metadata hash on chain is {expected_sha256}",
            field="metadata",
        )
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(
            f"{name} is not a JSON document ({exc})", field="metadata"
        ) from None
    if not isinstance(document, dict):
        raise InvalidInputError(f"{name} must hold a JSON object", field="metadata")
    gtin = document.get("gtin")
    serial = document.get("gs1_serial")
    if gtin is not None and not isinstance(gtin, str):
        raise InvalidInputError(f"{name}: gtin must be a string of digits", field="gtin")
    if serial is not None and not isinstance(serial, str):
        raise InvalidInputError(f"{name}: gs1_serial must be a string", field="gs1_serial")
    return DeviceMetadata(
        sha256=digest,
        gtin=check_gtin(gtin) if gtin is not None else None,
        gs1_serial=check_serial(serial) if serial is not None else None,
        extra={k: v for k, v in document.items() if k not in ("gtin", "gs1_serial")},
    )


def device_digital_link(
    *,
    serial: str,
    metadata: DeviceMetadata | None,
    resolver: str = DEFAULT_RESOLVER,
) -> str | None:
    """A device's GS1 Digital Link URI, or None when its metadata gives no GTIN.

    ``serial`` is the device's registered serial (``Device.serial``), used as AI 21 unless the
    metadata gives ``gs1_serial``; a registered serial that AI 21 cannot carry (over 20
    characters, or outside character set 82) gives the GTIN-only URI.
    """
    if metadata is None or metadata.gtin is None:
        return None
    chosen: str | None = metadata.gs1_serial
    if chosen is None:
        try:
            chosen = check_serial(serial)
        except InvalidInputError:
            chosen = None
    return digital_link(gtin=metadata.gtin, serial=chosen, resolver=resolver)


def digital_link_of(
    device: Device,
    metadata: DeviceMetadata | str | bytes | os.PathLike[str],
    *,
    resolver: str = DEFAULT_RESOLVER,
) -> str | None:
    """The GS1 Digital Link URI of a registered device (``client.devices.get(...)``), from its
    metadata document (a path, the file's bytes, or a loaded :class:`DeviceMetadata`), which must
    hash to the device's on-chain ``metadata_hash``; None when the document gives no GTIN.

    The one call for a QR code: ``digital_link_of(client.devices.get(device_id=i), "meta.json")``.
    """
    if isinstance(metadata, DeviceMetadata):
        if metadata.sha256 != device.metadata_hash:
            raise InvalidInputError(
                f"the metadata document hashes to {metadata.sha256}, the device's metadata hash "
                f"on chain is {device.metadata_hash}",
                field="metadata",
            )
        meta = metadata
    else:
        meta = load_device_metadata(metadata, expected_sha256=device.metadata_hash)
    return device_digital_link(serial=device.serial, metadata=meta, resolver=resolver)
