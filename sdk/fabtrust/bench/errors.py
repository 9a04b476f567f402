"""The TestCheckpoints contract's Solidity errors as exception classes (see
:mod:`fabtrust.certificates.errors` for the pattern); plus :class:`BenchSourceError`, raised when a
bench source cannot be used as configured (an unknown OPC UA node, a unit the server contradicts).
"""

from __future__ import annotations

from fabtrust.errors import InvalidInputError, error_class_for

__all__ = [
    "BenchSourceError",
    "LabNotAccreditedError",
    "NotSessionLabError",
    "ReadingCountNotIncreasingError",
    "SequenceNotIncreasingError",
    "ZeroCheckpointRootError",
]


class BenchSourceError(InvalidInputError):
    """The bench source contradicts the configuration (unknown node id, other unit, ...)."""


_SESSION = [{"name": "deviceId", "type": "uint256"}, {"name": "sessionId", "type": "bytes32"}]
_PAIR = [{"name": "latest", "type": "uint48"}, {"name": "given", "type": "uint48"}]

LabNotAccreditedError = error_class_for(
    "LabNotAccredited", [{"name": "lab", "type": "address"}], selector="0x404c44b6"
)
NotSessionLabError = error_class_for(
    "NotSessionLab", [*_SESSION, {"name": "lab", "type": "address"}], selector="0xfa9dbacd"
)
ReadingCountNotIncreasingError = error_class_for(
    "ReadingCountNotIncreasing", [*_SESSION, *_PAIR], selector="0x441045d9"
)
SequenceNotIncreasingError = error_class_for(
    "SequenceNotIncreasing", [*_SESSION, *_PAIR], selector="0xaac48980"
)
ZeroCheckpointRootError = error_class_for("ZeroCheckpointRoot", [], selector="0xb374296e")
