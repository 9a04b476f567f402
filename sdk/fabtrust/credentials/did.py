"""``did:pkh`` identifiers of Ethereum accounts (CAIP-10): ``did:pkh:eip155:<chainId>:<address>``.

fabtrust names a lab (the issuer of its credentials) by the did:pkh of the address it already
uses on chain: nothing to register or resolve over the network, the DID is the account. The JOSE
header ``kid`` of a credential is the DID's verification method ``<did>#blockchainAccountId``;
the public key is recovered from the ES256K signature and compared with the address.

Light module: the standard library.
"""

from __future__ import annotations

import re

from fabtrust.errors import InvalidInputError

__all__ = ["VERIFICATION_METHOD", "did_pkh", "key_id", "parse_did_pkh"]

VERIFICATION_METHOD = "blockchainAccountId"
"""The fragment of the did:pkh verification method (``<did>#blockchainAccountId``)."""

_DID_RE = re.compile(r"did:pkh:eip155:(?P<chain>[1-9][0-9]{0,31}):(?P<address>0x[0-9a-fA-F]{40})")


def did_pkh(*, chain_id: int, address: str) -> str:
    """``did:pkh:eip155:<chainId>:<checksummed address>``."""
    from eth_utils.address import to_checksum_address

    if not isinstance(chain_id, int) or chain_id <= 0:
        raise InvalidInputError(f"chain id {chain_id!r} must be a positive integer", field="chain")
    if not isinstance(address, str) or not re.fullmatch(r"0x[0-9a-fA-F]{40}", address):
        raise InvalidInputError(f"{address!r} is not an address", field="address")
    return f"did:pkh:eip155:{chain_id}:{to_checksum_address(address)}"


def key_id(did: str) -> str:
    """The JOSE ``kid`` of a did:pkh: its verification method ``<did>#blockchainAccountId``."""
    parse_did_pkh(did)
    return f"{did}#{VERIFICATION_METHOD}"


def parse_did_pkh(value: str) -> tuple[int, str]:
    """(chain id, checksummed address) of ``did:pkh:eip155:<chainId>:<address>`` (a ``#fragment``
    is allowed and ignored)."""
    from eth_utils.address import to_checksum_address

    text = value.split("#", 1)[0] if isinstance(value, str) else ""
    match = _DID_RE.fullmatch(text)
    if match is None:
        raise InvalidInputError(
            f"{value!r} is not a did:pkh:eip155:<chainId>:<address> identifier", field="did"
        )
    return int(match.group("chain")), str(to_checksum_address(match.group("address")))
