"""The TestCheckpoints's Solidity errors as exception classes (generated: do not edit).

Written by scripts/gen_errors.py from sdk/fabtrust/abi/TestCheckpoints.json (``make abi``).
Each class is the one :func:`fabtrust.errors.error_class_for` makes for the ABI entry,
so it is the class a reverted call raises; arguments are snake_case attributes and
``.arguments``. Import them from the public :mod:`errors` module of this package.
"""

from __future__ import annotations

from fabtrust.errors import ContractError, error_class_for

__all__ = [
    "CHECKPOINTS_ERRORS",
    "LabNotAccreditedError",
    "NotSessionLabError",
    "ReadingCountNotIncreasingError",
    "SequenceNotIncreasingError",
    "ZeroCheckpointRootError",
]

LabNotAccreditedError = error_class_for(
    "LabNotAccredited", [{"name": "lab", "type": "address"}], selector="0x404c44b6"
)
NotSessionLabError = error_class_for(
    "NotSessionLab",
    [
        {"name": "deviceId", "type": "uint256"},
        {"name": "sessionId", "type": "bytes32"},
        {"name": "lab", "type": "address"},
    ],
    selector="0xfa9dbacd",
)
ReadingCountNotIncreasingError = error_class_for(
    "ReadingCountNotIncreasing",
    [
        {"name": "deviceId", "type": "uint256"},
        {"name": "sessionId", "type": "bytes32"},
        {"name": "latest", "type": "uint48"},
        {"name": "given", "type": "uint48"},
    ],
    selector="0x441045d9",
)
SequenceNotIncreasingError = error_class_for(
    "SequenceNotIncreasing",
    [
        {"name": "deviceId", "type": "uint256"},
        {"name": "sessionId", "type": "bytes32"},
        {"name": "latest", "type": "uint48"},
        {"name": "given", "type": "uint48"},
    ],
    selector="0xaac48980",
)
ZeroCheckpointRootError = error_class_for("ZeroCheckpointRoot", [], selector="0xb374296e")

CHECKPOINTS_ERRORS: dict[str, type[ContractError]] = {
    "LabNotAccredited": LabNotAccreditedError,
    "NotSessionLab": NotSessionLabError,
    "ReadingCountNotIncreasing": ReadingCountNotIncreasingError,
    "SequenceNotIncreasing": SequenceNotIncreasingError,
    "ZeroCheckpointRoot": ZeroCheckpointRootError,
}
"""The classes above by Solidity error name."""
