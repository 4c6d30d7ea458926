"""Signed tree heads (SPEC §2.3) checked locally: ``{tree_size, root,
timestamp, server_key, signature}``, the Ed25519 signature over
"stemedb:sth:v1:" ‖ u64-BE tree_size ‖ u64-BE timestamp ‖ root, made by the
server's own key. Without a pinned key a valid signature proves only that the
head is intact, not who made it: the client pins the key it first saw (or the
one you give it) and holds the server to it.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from .ed25519 import verify_signature
from .signed_bytes import tree_head_message

__all__ = ["tree_head_problem", "verify_tree_head", "is_hex"]

_HEX = {32: re.compile(r"[0-9a-f]{64}\Z"), 64: re.compile(r"[0-9a-f]{128}\Z")}
_MAX_U64_SAFE = 2**53 - 1


def is_hex(value: object, length: int) -> bool:
    """True for a string of exactly ``length`` bytes as lowercase hex (32 or 64)."""
    return isinstance(value, str) and _HEX[length].match(value) is not None


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_U64_SAFE


def tree_head_problem(sth: object, server_key: Optional[str] = None) -> Optional[str]:
    """Why ``sth`` does not verify (optionally: under the pinned ``server_key``), or None."""
    if not isinstance(sth, Mapping):
        return "tree head is not an object"
    size, root, ts = sth.get("tree_size"), sth.get("root"), sth.get("timestamp")
    key, signature = sth.get("server_key"), sth.get("signature")
    if not _count(size):
        return "tree_size is not a non-negative integer"
    if not _count(ts):
        return "timestamp is not a non-negative integer (ms since the epoch)"
    if not is_hex(root, 32):
        return "root is not 64 lowercase hex chars"
    if not is_hex(key, 32):
        return "server_key is not 64 lowercase hex chars"
    if not is_hex(signature, 64):
        return "signature is not 128 lowercase hex chars"
    if server_key is not None and key != server_key:
        return f"signed by server key {key}, not the pinned key {server_key}"
    message = tree_head_message(size, ts, bytes.fromhex(root))  # type: ignore[arg-type]
    if not verify_signature(bytes.fromhex(key), bytes.fromhex(signature), message):  # type: ignore[arg-type]
        return "signature does not verify under server_key"
    return None


def verify_tree_head(sth: Mapping[str, Any], server_key: Optional[str] = None) -> bool:
    """True for a well-formed STH whose signature verifies (under ``server_key`` when given)."""
    return tree_head_problem(sth, server_key) is None
