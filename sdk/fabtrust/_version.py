"""The one version of fabtrust.

pyproject.toml reads it (``[tool.setuptools.dynamic]``), ``fabtrust.__version__`` and
``fabtrust --version`` re-export it, and the contracts' ``version()`` returns a copy of it
(contracts/common/Versioned.sol). Bump every copy with ``python scripts/set_version.py X.Y.Z``;
tests/toolchain/test_version.py fails when they disagree.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
