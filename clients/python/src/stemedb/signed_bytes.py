"""Every byte layout StemeDB signs, with its domain-separation prefix (SPEC
§2.2, §2.3): the Python twin of ``src/protocol/signed-bytes.ts``, and the only
module of this package that builds signed bytes.
"""

from __future__ import annotations

import struct

__all__ = ["ASSERTION_DOMAIN", "STH_DOMAIN", "assertion_message", "tree_head_message"]

#: SPEC §2.2: M = "stemedb:assertion:v1:" ‖ id (32 raw bytes).
ASSERTION_DOMAIN = b"stemedb:assertion:v1:"
#: SPEC §2.3: "stemedb:sth:v1:" ‖ u64-BE tree_size ‖ u64-BE timestamp ‖ root (32 bytes).
STH_DOMAIN = b"stemedb:sth:v1:"

_U64_PAIR = struct.Struct(">QQ")


def assertion_message(id_bytes: bytes) -> bytes:
    if len(id_bytes) != 32:
        raise ValueError(f"assertion id must be 32 bytes, got {len(id_bytes)}")
    return ASSERTION_DOMAIN + id_bytes


def tree_head_message(tree_size: int, timestamp: int, root: bytes) -> bytes:
    if len(root) != 32:
        raise ValueError(f"root must be 32 bytes, got {len(root)}")
    return STH_DOMAIN + _U64_PAIR.pack(tree_size, timestamp) + root
