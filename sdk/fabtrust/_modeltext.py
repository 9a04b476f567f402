"""Private, light (standard library only): the text of a ``bytes32`` device model.

Shared by :mod:`fabtrust.identity._inputs` (re-exported there) and the buyer's light verification
(:mod:`fabtrust.certificates._light_verify`), which must not import the identity package (its
error classes load a keccak backend: ~50 ms of the buyer's process).
"""

from __future__ import annotations

__all__ = ["model_text"]


def model_text(model: str) -> str | None:
    """The text of a ``bytes32`` model made by :func:`fabtrust.identity._inputs.check_model` from
    text (UTF-8, right-padded with zero bytes), else None."""
    raw = bytes.fromhex(model[2:]).rstrip(b"\0")
    if not raw or b"\0" in raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None
