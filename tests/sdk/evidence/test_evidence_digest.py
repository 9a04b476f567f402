"""Report digests: identical to sha256sum, streamed in constant memory."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tracemalloc
from pathlib import Path

import pytest

from fabtrust.errors import InvalidInputError
from fabtrust.evidence.digest import (
    DEFAULT_CHUNK_SIZE,
    normalize_digest,
    sha256_bytes,
    sha256_file,
)

MIB = 1 << 20


def sha256sum(path: Path) -> str:
    """The digest as the coreutils tool prints it."""
    tool = shutil.which("sha256sum")
    assert tool is not None, "coreutils sha256sum is needed"
    out = subprocess.run([tool, str(path)], check=True, capture_output=True, text=True).stdout
    return out.split()[0]


def random_file(tmp_path: Path, size: int, name: str | None = None) -> Path:
    path = tmp_path / (name or f"r{size}.bin")
    path.write_bytes(os.urandom(size))
    return path


SIZES = [0, 1, 63, 64, 65, 4096, MIB - 1, MIB, MIB + 1, 3 * MIB + 17, (1 << 18) + 5]


@pytest.mark.parametrize("size", SIZES)
def test_matches_sha256sum(tmp_path: Path, size: int) -> None:
    path = random_file(tmp_path, size)
    expected = "0x" + sha256sum(path)
    assert sha256_file(path) == expected
    assert sha256_file(str(path)) == expected
    assert sha256_bytes(path.read_bytes()) == expected


@pytest.mark.parametrize("chunk_size", [1, 7, 4096, MIB, 5 * MIB])
def test_read_loop_with_any_chunk_size(tmp_path: Path, chunk_size: int) -> None:
    path = random_file(tmp_path, 2 * MIB + 3)
    expected = "0x" + sha256sum(path)
    if chunk_size == DEFAULT_CHUNK_SIZE:
        chunk_size += 1  # force the readinto loop rather than hashlib.file_digest
    assert sha256_file(path, chunk_size=chunk_size) == expected


def test_fallback_without_file_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.10 has no hashlib.file_digest: the readinto loop must give the same digest."""
    path = random_file(tmp_path, 3 * MIB + 1)
    expected = "0x" + sha256sum(path)
    monkeypatch.delattr(hashlib, "file_digest", raising=False)
    assert not hasattr(hashlib, "file_digest")  # the module sees the same hashlib
    assert sha256_file(path) == expected


@pytest.mark.parametrize("use_file_digest", [True, False])
def test_constant_memory_on_64_mib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_file_digest: bool
) -> None:
    path = tmp_path / "big.bin"
    block = os.urandom(MIB)
    with path.open("wb") as file:
        for i in range(64):
            file.write(block[i:] + block[:i])
    if not use_file_digest:
        monkeypatch.delattr(hashlib, "file_digest", raising=False)
    tracemalloc.start()
    try:
        result = sha256_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result == "0x" + sha256sum(path)
    # one read buffer (256 KiB for file_digest, 1 MiB for the loop) plus change; never the file
    assert peak < 2 * MIB, f"peak {peak} bytes while hashing 64 MiB"


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"cannot read .*missing\.pdf"):
        sha256_file(tmp_path / "missing.pdf")
    with pytest.raises(InvalidInputError, match="cannot read"):
        sha256_file(tmp_path)
    with pytest.raises(InvalidInputError, match="chunk_size"):
        sha256_file(random_file(tmp_path, 3), chunk_size=0)


def test_normalize_accepts_every_common_spelling(tmp_path: Path) -> None:
    path = random_file(tmp_path, 1000, name="report with spaces.pdf")
    hexdigest = sha256sum(path)
    expected = "0x" + hexdigest
    line = subprocess.run(
        ["sha256sum", str(path)], check=True, capture_output=True, text=True
    ).stdout
    tagged = subprocess.run(
        ["sha256sum", "--tag", str(path)], check=True, capture_output=True, text=True
    ).stdout
    binary = subprocess.run(
        ["sha256sum", "-b", str(path)], check=True, capture_output=True, text=True
    ).stdout
    spellings: list[str | bytes] = [
        hexdigest,
        hexdigest.upper(),
        "0x" + hexdigest,
        "0X" + hexdigest.upper(),
        f"  {hexdigest}\n",
        line,
        tagged,
        binary,
        bytes.fromhex(hexdigest),
    ]
    for spelling in spellings:
        assert normalize_digest(spelling) == expected, spelling
    assert normalize_digest(sha256_file(path)) == expected


def test_normalize_escaped_sha256sum_line(tmp_path: Path) -> None:
    path = random_file(tmp_path, 10, name="back\\slash.bin")
    line = subprocess.run(
        ["sha256sum", str(path)], check=True, capture_output=True, text=True
    ).stdout
    assert line.startswith("\\")  # coreutils escapes names with backslashes
    assert normalize_digest(line) == sha256_file(path)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0x",
        "abc",
        "0x" + "a" * 63,
        "0x" + "a" * 65,
        "g" * 64,
        "0x" + "a" * 64 + "garbage",
        "a" * 64 + "\tfile",
        "sha256:" + "a" * 64,
        "a" * 64 + "  one.pdf\n" + "b" * 64 + "  two.pdf",  # two lines: which one?
        b"\x00" * 31,
        12345,
    ],
)
def test_normalize_rejects(bad: object) -> None:
    with pytest.raises(InvalidInputError):
        normalize_digest(bad)  # type: ignore[arg-type]
