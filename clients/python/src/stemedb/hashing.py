"""BLAKE3-256, the hash of every id and Merkle node (SPEC §2.2, §2.3).

The ``blake3`` package (Rust, fast) when it is importable, else the pure-Python
implementation in ``blake3_pure.py``. Both are the same function; ``BACKEND``
says which one runs.
"""

from __future__ import annotations

from typing import Callable

from .blake3_pure import blake3_pure

__all__ = ["blake3", "BACKEND"]


def _native() -> "Callable[[bytes], bytes] | None":
    try:
        import blake3 as native  # type: ignore[import-not-found]
    except ImportError:
        return None
    return lambda data: native.blake3(data).digest()


_native_blake3 = _native()

#: ``"blake3"`` (the package) or ``"pure-python"``.
BACKEND = "blake3" if _native_blake3 is not None else "pure-python"


def blake3(data: bytes) -> bytes:
    """BLAKE3 of ``data`` with the default 32-byte output."""
    if _native_blake3 is not None:
        return _native_blake3(data)
    return blake3_pure(data)
