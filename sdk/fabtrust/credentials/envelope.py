"""Securing credentials with VC-JOSE-COSE: a compact JWS (``application/vc+jwt``), ES256K.

The JWS payload is the credential itself; the protected header is
``{"alg": "ES256K", "typ": "vc+jwt", "cty": "vc", "kid": "<did:pkh>#blockchainAccountId",
"jwk": <the lab's public key>}`` (the ``jwk`` lets JOSE libraries without secp256k1 recovery, such
as npm ``jose``, verify the signature; the verifier then checks that the key is the did's address).
ES256K is ECDSA over secp256k1 with SHA-256: the key every Ethereum account already has, so a
lab signs its credentials with its on-chain key. JWS signing and verification are joserfc's; this
module only builds the key objects and recovers the signer's address (an ES256K signature does
not carry a recovery id: both candidates are tried).

A file holds a secured credential as a VC 2.0 ``EnvelopedVerifiableCredential``:
``{"@context": "https://www.w3.org/ns/credentials/v2", "type": "EnvelopedVerifiableCredential",
"id": "data:application/vc+jwt,<jwt>"}``.

Light module: joserfc and eth_keys are imported by the functions that use them.
"""

from __future__ import annotations

import base64
import json
import re
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from fabtrust.credentials.contexts import VC_CONTEXT
from fabtrust.credentials.did import key_id, parse_did_pkh
from fabtrust.errors import InvalidInputError

if TYPE_CHECKING:
    from joserfc.jwk import ECKey

    from fabtrust.accounts import Signer

__all__ = [
    "ALGORITHM",
    "JWT_MEDIA_TYPE",
    "SignatureCheck",
    "enveloped",
    "jwk_address",
    "jwt_from_document",
    "public_jwk",
    "read_jwt",
    "recover_address",
    "sign_credential",
    "verify_jwt",
]

ALGORITHM = "ES256K"
JWT_MEDIA_TYPE = "application/vc+jwt"
_DATA_PREFIX = f"data:{JWT_MEDIA_TYPE},"
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(*, public: bytes, private: bytes | None = None) -> ECKey:
    from joserfc.jwk import ECKey

    jwk: dict[str, Any] = {
        "kty": "EC",
        "crv": "secp256k1",
        "x": _b64(public[:32]),
        "y": _b64(public[32:]),
    }
    if private is not None:
        jwk["d"] = _b64(private)
    return ECKey.import_key(jwk)


def _signer_key(signer: Signer) -> ECKey:
    """The signer's secp256k1 key as a joserfc key. The key material stays in this process: JOSE
    signing needs the raw scalar, which the Signer otherwise keeps to itself."""
    from eth_keys.datatypes import PrivateKey

    raw = bytes(signer._account.key)
    return _key(public=PrivateKey(raw).public_key.to_bytes(), private=raw)


def sign_credential(credential: dict[str, Any], *, signer: Signer, chain_id: int) -> str:
    """The credential as a compact JWS signed ES256K by ``signer`` (kid: its did:pkh)."""
    from joserfc import jws

    from fabtrust.credentials.did import did_pkh

    did = did_pkh(chain_id=chain_id, address=signer.address)
    key = _signer_key(signer)
    header = {
        "alg": ALGORITHM,
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": key_id(did),
        "jwk": public_jwk(key),
    }
    payload = json.dumps(credential, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return jws.serialize_compact(header, payload, key, algorithms=[ALGORITHM])


def public_jwk(key: ECKey) -> dict[str, str]:
    """The public JWK of a secp256k1 key (``kty``, ``crv``, ``x``, ``y``)."""
    data = key.as_dict(private=False)
    return {name: str(data[name]) for name in ("kty", "crv", "x", "y")}


def jwk_address(jwk: dict[str, Any]) -> str | None:
    """The Ethereum address of a secp256k1 public JWK (None when it is not one)."""
    from eth_keys.datatypes import PublicKey
    from eth_utils.exceptions import ValidationError

    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "secp256k1":
        return None
    try:
        raw = _unb64(str(jwk["x"])) + _unb64(str(jwk["y"]))
        return str(PublicKey(raw).to_checksum_address())
    except (KeyError, ValueError, ValidationError):
        return None


def enveloped(jwt: str) -> dict[str, Any]:
    """The VC 2.0 ``EnvelopedVerifiableCredential`` holding ``jwt``."""
    return {
        "@context": VC_CONTEXT,
        "id": _DATA_PREFIX + jwt,
        "type": "EnvelopedVerifiableCredential",
    }


def jwt_from_document(document: Any) -> str:
    """The compact JWS of an ``EnvelopedVerifiableCredential`` document (InvalidInputError when it
    is not one)."""
    if not isinstance(document, dict):
        raise InvalidInputError("not an EnvelopedVerifiableCredential (expected a JSON object)")
    kind = document.get("type")
    if kind != "EnvelopedVerifiableCredential" and not (
        isinstance(kind, list) and "EnvelopedVerifiableCredential" in kind
    ):
        raise InvalidInputError(
            f"not an EnvelopedVerifiableCredential (type is {json.dumps(kind)})", field="type"
        )
    value = document.get("id")
    if not isinstance(value, str) or not value.startswith(_DATA_PREFIX):
        raise InvalidInputError(
            f"the enveloped credential's id must be a data:{JWT_MEDIA_TYPE}, URL", field="id"
        )
    return value[len(_DATA_PREFIX) :]


def read_jwt(jwt: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(protected header, payload) of a compact JWS, NOT verified; InvalidInputError for a
    malformed one."""
    parts = jwt.strip().split(".") if isinstance(jwt, str) else []
    if len(parts) != 3 or not all(_B64URL.fullmatch(p) for p in parts):
        raise InvalidInputError(
            "malformed JWT: expected three base64url parts separated by dots", field="jwt"
        )
    try:
        header = json.loads(_unb64(parts[0]))
        payload = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"malformed JWT: a part is not base64url JSON ({exc})") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise InvalidInputError("malformed JWT: the header and payload must be JSON objects")
    return header, payload


def recover_address(jwt: str) -> list[tuple[str, bytes]]:
    """The (address, 64-byte public key) pairs whose ES256K signature ``jwt`` could be: the two
    recovery candidates of the signature over SHA-256 of the signing input."""
    from eth_keys.datatypes import Signature
    from eth_keys.exceptions import BadSignature

    head, body, sig = jwt.strip().split(".")
    raw = _unb64(sig)
    if len(raw) != 64:
        return []
    digest = sha256(f"{head}.{body}".encode("ascii")).digest()
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    found: list[tuple[str, bytes]] = []
    for v in (0, 1):
        try:
            public = Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
        except (BadSignature, ValueError):
            continue
        found.append((str(public.to_checksum_address()), public.to_bytes()))
    return found


class SignatureCheck(BaseModel):
    """The outcome of :func:`verify_jwt`: ``ok``, a one-line ``detail``, and the address the
    ``kid`` names (None when the header names none)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    detail: str
    address: str | None


def verify_jwt(jwt: str, *, expected: str | None = None) -> SignatureCheck:
    """Verify an ES256K credential JWT: the header names a did:pkh key, the signature is that
    account's (and, with ``expected``, that account is ``expected``), and joserfc accepts it.

    Never raises for a bad signature (the check says why); InvalidInputError for a malformed JWT.
    """
    from joserfc import jws
    from joserfc.errors import JoseError

    header, _payload = read_jwt(jwt)
    if header.get("alg") != ALGORITHM:
        return SignatureCheck(
            ok=False, detail=f"alg is {header.get('alg')!r}, not {ALGORITHM}", address=None
        )
    kid = header.get("kid")
    try:
        _chain, address = parse_did_pkh(str(kid))
    except InvalidInputError:
        return SignatureCheck(ok=False, detail=f"kid {kid!r} is not a did:pkh key", address=None)
    candidates = recover_address(jwt)
    match = [public for who, public in candidates if who == address]
    if not match:
        who = candidates[0][0] if candidates else "no valid key"
        others = " or ".join(c[0] for c in candidates) or who
        return SignatureCheck(
            ok=False,
            detail=f"the signature is not {address}'s (kid {kid}); it recovers to {others}",
            address=address,
        )
    embedded = header.get("jwk")
    if embedded is not None and jwk_address(embedded) != address:
        return SignatureCheck(
            ok=False,
            detail=f"the header's jwk is not {address}'s key (it is {jwk_address(embedded)}'s)",
            address=address,
        )
    try:
        jws.deserialize_compact(jwt.strip(), _key(public=match[0]), algorithms=[ALGORITHM])
    except JoseError as exc:
        return SignatureCheck(
            ok=False, detail=f"JWS verification failed: {exc.description or exc}", address=address
        )
    if expected is not None and expected.lower() != address.lower():
        return SignatureCheck(
            ok=False,
            detail=f"signed by {address}, but the certificate's lab is {expected}",
            address=address,
        )
    return SignatureCheck(ok=True, detail=f"ES256K signature of {address} ({kid})", address=address)
