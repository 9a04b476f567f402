"""The shipped contexts and schema: published digests, offline expansion, unknown URLs refused."""

from __future__ import annotations

import copy
import hashlib
import json
import socket
from importlib import resources
from typing import Any

import pytest

from fabtrust.credentials.contexts import (
    CONTEXTS,
    DCC_CONTEXT,
    VC_CONTEXT,
    canonical_nquads,
    dcc_schema,
    document_loader,
    expand,
)
from fabtrust.errors import InvalidInputError

FILES = resources.files("fabtrust.credentials").joinpath("contexts")


def _sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FILES.joinpath("untp-dcc-instance-0.6.1.json").read_text())
    return data


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any socket connection fails: what is processed here must not need the network."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_vc_context_is_the_published_one() -> None:
    # The SHA2-256 digest of w3c/vc-data-model's contexts/credentials/v2, which the VC 2.0
    # specification publishes (appendix "Base Context") for the file served at VC_CONTEXT.
    raw = FILES.joinpath("credentials-v2.jsonld").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == (
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    )
    assert "BitstringStatusListEntry" in json.loads(raw)["@context"]


def test_every_listed_context_is_shipped() -> None:
    for url, name in CONTEXTS.items():
        assert FILES.joinpath(name).is_file(), name
        assert document_loader(url)["document"]["@context"]


def test_untp_sample_validates_and_expands_offline(no_network: None) -> None:
    import jsonschema

    sample = _sample()
    assert sample["@context"] == [VC_CONTEXT, DCC_CONTEXT]
    jsonschema.Draft202012Validator(dcc_schema()).validate(sample)
    expanded = expand(sample)
    assert expanded[0]["@type"] == [
        "https://test.uncefact.org/vocabulary/untp/dcc/0/DigitalConformityCredential",
        "https://www.w3.org/2018/credentials#VerifiableCredential",
    ]
    nquads = canonical_nquads(sample)
    assert "<https://test.uncefact.org/vocabulary/untp/core/0/hashDigest>" in nquads


def test_unknown_context_is_refused_not_fetched(no_network: None) -> None:
    sample = _sample()
    sample["@context"].append("https://example.org/contexts/extra.jsonld")
    with pytest.raises(InvalidInputError, match=r"extra\.jsonld is not shipped with fabtrust"):
        expand(sample)
    with pytest.raises(InvalidInputError, match="not shipped"):
        document_loader("https://www.w3.org/2018/credentials/v1")
    # A context named deep inside the document (scoped) goes through the same loader.
    nested = _sample()
    nested["credentialSubject"]["@context"] = "https://example.org/scoped"
    with pytest.raises(InvalidInputError, match=r"https://example\.org/scoped is not shipped"):
        expand(nested)


def test_undefined_terms_are_reported() -> None:
    sample = _sample()
    sample["credentialSubject"]["colour"] = "blue"
    with pytest.raises(InvalidInputError, match="colour"):
        expand(sample)


def test_documents_are_fresh_copies() -> None:
    first = document_loader(VC_CONTEXT)["document"]
    first["@context"]["id"] = "changed"
    assert document_loader(VC_CONTEXT)["document"]["@context"]["id"] == "@id"
    assert copy.deepcopy(dcc_schema()) == dcc_schema()
