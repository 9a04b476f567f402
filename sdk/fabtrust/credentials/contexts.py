"""JSON-LD contexts and the UNTP schema shipped inside the package, and offline JSON-LD processing.

Every context a fabtrust credential uses is a file of ``contexts/`` (see ``contexts/SOURCES.md``
for where each came from). :func:`document_loader` serves them to pyld and refuses any other URL,
so expanding or canonicalizing a credential never touches the network.

Light module: the standard library; pyld and jsonschema are imported by the functions that use them.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from fabtrust.errors import InvalidInputError

__all__ = [
    "CONTEXTS",
    "DCC_CONTEXT",
    "DCC_SCHEMA",
    "FABTRUST_CONTEXT",
    "VC_CONTEXT",
    "canonical_nquads",
    "context_document",
    "dcc_schema",
    "document_loader",
    "expand",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
"""The W3C Verifiable Credentials 2.0 context (it also defines the Bitstring Status List terms)."""

DCC_CONTEXT = "https://test.uncefact.org/vocabulary/untp/dcc/0.6.1/"
"""The UNTP Digital Conformity Credential context, release 0.6.1."""

DCC_SCHEMA = "https://test.uncefact.org/vocabulary/untp/dcc/untp-dcc-schema-0.6.1.json"
"""The UNTP Digital Conformity Credential JSON Schema, release 0.6.1."""

FABTRUST_CONTEXT = "https://w3id.org/fabtrust/credentials/v1"
"""fabtrust's own terms: the on-chain anchor (``BlockchainAnchor``) and status-list successors."""

CONTEXTS: dict[str, str] = {
    VC_CONTEXT: "credentials-v2.jsonld",
    DCC_CONTEXT: "untp-dcc-0.6.1.jsonld",
    FABTRUST_CONTEXT: "fabtrust-anchor-v1.jsonld",
}
"""Context URL -> shipped file name (in ``fabtrust/credentials/contexts/``)."""


def _read(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath("contexts", name).read_text("utf-8"))


@cache
def _cached(name: str) -> str:
    # Kept as text so that every caller gets its own fresh copy (pyld may mutate documents).
    return json.dumps(_read(name))


def context_document(url: str) -> dict[str, Any]:
    """The shipped context for ``url``; InvalidInputError for any URL that is not shipped."""
    name = CONTEXTS.get(url)
    if name is None:
        raise InvalidInputError(
            f"JSON-LD context {url} is not shipped with fabtrust (contexts are never fetched from "
            f"the network; known: {', '.join(CONTEXTS)})",
            field="@context",
        )
    document: dict[str, Any] = json.loads(_cached(name))
    return document


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """A pyld document loader that serves the shipped contexts and refuses every other URL."""
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": context_document(url),
    }


def dcc_schema() -> dict[str, Any]:
    """The shipped UNTP DCC JSON Schema (draft 2020-12)."""
    schema: dict[str, Any] = json.loads(_cached("untp-dcc-schema-0.6.1.json"))
    return schema


def _check_contexts(document: Any) -> None:
    contexts = document.get("@context") if isinstance(document, dict) else None
    items = contexts if isinstance(contexts, list) else [contexts]
    for item in items:
        if isinstance(item, str):
            context_document(item)


def expand(document: dict[str, Any]) -> list[Any]:
    """The JSON-LD expansion of ``document`` with the shipped contexts only.

    InvalidInputError when a context is not shipped, when expansion fails, or when a property is
    dropped (a term no context defines: it would carry no meaning for a JSON-LD verifier).
    """
    from pyld import jsonld  # type: ignore[import-untyped]

    _check_contexts(document)
    dropped: list[str] = []

    def on_dropped(name: str | None) -> None:
        dropped.append(str(name))

    try:
        expanded: list[Any] = jsonld.expand(
            document, {"documentLoader": document_loader}, on_property_dropped=on_dropped
        )
    except InvalidInputError:
        raise
    except Exception as exc:  # pyld raises JsonLdError and, for bad input, plain TypeErrors
        raise InvalidInputError(f"JSON-LD expansion failed: {_jsonld_message(exc)}") from None
    if dropped:
        raise InvalidInputError(
            f"JSON-LD: term(s) {', '.join(sorted(set(dropped)))} are defined by no context",
            field="@context",
        )
    return expanded


def canonical_nquads(document: dict[str, Any]) -> str:
    """The RDF Dataset Canonicalization (URDNA2015 / RDFC-1.0) of ``document`` as N-Quads."""
    from pyld import jsonld

    expanded = expand(document)
    try:
        text = jsonld.normalize(
            expanded,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": document_loader,
            },
        )
    except Exception as exc:
        raise InvalidInputError(
            f"JSON-LD canonicalization failed: {_jsonld_message(exc)}"
        ) from None
    return str(text)


def _jsonld_message(exc: BaseException) -> str:
    parts = [str(exc).splitlines()[0] if str(exc) else type(exc).__name__]
    cause = getattr(exc, "cause", None) or exc.__cause__
    seen = 0
    while cause is not None and seen < 3:
        if isinstance(cause, InvalidInputError):
            return str(cause)
        text = str(cause).splitlines()[0] if str(cause) else ""
        if text:
            parts.append(text)
        cause = getattr(cause, "cause", None) or cause.__cause__
        seen += 1
    return ": ".join(parts)
