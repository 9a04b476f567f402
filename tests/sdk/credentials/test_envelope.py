"""VC-JOSE JWTs: ES256K by a did:pkh key, verified by key recovery; tampering and malformed input."""

from __future__ import annotations

import base64
import json

import pytest

from fabtrust.accounts import Signer
from fabtrust.credentials.did import did_pkh, key_id, parse_did_pkh
from fabtrust.credentials.envelope import (
    enveloped,
    jwk_address,
    jwt_from_document,
    read_jwt,
    recover_address,
    sign_credential,
    verify_jwt,
)
from fabtrust.errors import InvalidInputError

LAB = Signer.dev(2)
CREDENTIAL = {"type": ["VerifiableCredential"], "issuer": "did:pkh:eip155:31337:x", "n": 1}


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_did_pkh() -> None:
    did = did_pkh(chain_id=31337, address=LAB.address.lower())
    assert did == f"did:pkh:eip155:31337:{LAB.address}"
    assert key_id(did) == f"{did}#blockchainAccountId"
    assert parse_did_pkh(key_id(did)) == (31337, LAB.address)
    for bad in (
        "did:pkh:eip155:0:" + LAB.address,
        "did:ethr:" + LAB.address,
        "did:pkh:eip155:1:0x12",
    ):
        with pytest.raises(InvalidInputError, match="did:pkh"):
            parse_did_pkh(bad)


def test_sign_and_verify() -> None:
    jwt = sign_credential(CREDENTIAL, signer=LAB, chain_id=31337)
    header, payload = read_jwt(jwt)
    assert payload == CREDENTIAL
    assert header["alg"] == "ES256K" and header["typ"] == "vc+jwt" and header["cty"] == "vc"
    assert jwk_address(header["jwk"]) == LAB.address
    assert LAB.address in [address for address, _ in recover_address(jwt)]
    check = verify_jwt(jwt, expected=LAB.address)
    assert check.ok and check.address == LAB.address
    assert not verify_jwt(jwt, expected=Signer.dev(1).address).ok
    assert jwt_from_document(json.loads(json.dumps(enveloped(jwt)))) == jwt


def test_changed_payload_or_kid_fails() -> None:
    head, body, sig = sign_credential(CREDENTIAL, signer=LAB, chain_id=31337).split(".")
    forged = f"{head}.{_b64({**CREDENTIAL, 'n': 2})}.{sig}"
    check = verify_jwt(forged)
    assert not check.ok and "not " + LAB.address in check.detail
    header = read_jwt(f"{head}.{body}.{sig}")[0]
    other = {**header, "kid": key_id(did_pkh(chain_id=31337, address=Signer.dev(1).address))}
    check = verify_jwt(f"{_b64(other)}.{body}.{sig}")
    assert not check.ok and Signer.dev(1).address in check.detail
    foreign_jwk = read_jwt(sign_credential(CREDENTIAL, signer=Signer.dev(1), chain_id=31337))[0][
        "jwk"
    ]
    check = verify_jwt(f"{_b64({**header, 'jwk': foreign_jwk})}.{body}.{sig}")
    assert not check.ok
    none = verify_jwt(f"{_b64({**header, 'alg': 'none'})}.{body}.{sig}")
    assert not none.ok and "alg is 'none'" in none.detail


@pytest.mark.parametrize("jwt", ["", "a.b", "a.b.c.d", "###.a.b", "e30.bm90IGpzb24.c2ln"])
def test_malformed(jwt: str) -> None:
    with pytest.raises(InvalidInputError, match="malformed JWT"):
        read_jwt(jwt)


def test_envelope_shape() -> None:
    with pytest.raises(InvalidInputError, match="EnvelopedVerifiableCredential"):
        jwt_from_document({"type": "VerifiableCredential"})
    with pytest.raises(InvalidInputError, match="data:application/vc\\+jwt"):
        jwt_from_document({"type": "EnvelopedVerifiableCredential", "id": "https://x"})
    with pytest.raises(InvalidInputError, match="JSON object"):
        jwt_from_document(["x"])
