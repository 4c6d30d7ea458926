"""StemeDB's Merkle proofs checked locally (SPEC §2.3): RFC 6962 §2.1 hashes
with BLAKE3 — leaf = BLAKE3(0x00 ‖ id), node = BLAKE3(0x01 ‖ left ‖ right),
empty tree = BLAKE3("") — and the iterative verifiers of RFC 9162 §2.1.3.2
(inclusion) and §2.1.4.2 (consistency), as ``src/merkle/verify-proofs.ts``.
Malformed input (bad sizes, wrong-length hashes) answers "not verified".
"""

from __future__ import annotations

from typing import Optional, Sequence

from .hashing import blake3

__all__ = [
    "EMPTY_ROOT",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "verify_inclusion",
    "verify_consistency",
]

#: RFC 6962 §2.1: MTH({}) = HASH().
EMPTY_ROOT = blake3(b"")


def leaf_hash(id_bytes: bytes) -> bytes:
    """RFC 6962 §2.1: HASH(0x00 ‖ d); here d is the 32-byte assertion id."""
    return blake3(b"\x00" + id_bytes)


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 §2.1: HASH(0x01 ‖ left ‖ right)."""
    return blake3(b"\x01" + left + right)


def _count(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def root_from_inclusion_proof(
    leaf: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes]
) -> Optional[bytes]:
    """RFC 9162 §2.1.3.2 steps 1–5 up to the comparison: the root the path leads to, or None."""
    if not _count(leaf_index) or not _count(tree_size) or leaf_index >= tree_size:
        return None  # step 1
    if len(leaf) != 32:
        return None
    fn, sn, r = leaf_index, tree_size - 1, leaf  # steps 2–3
    for p in proof:  # step 4
        if len(p) != 32 or sn == 0:
            return None  # 4a: the path is longer than the tree is deep
        if fn & 1 or fn == sn:
            r = node_hash(p, r)  # 4b.i
            if not fn & 1:
                while not fn & 1 and fn != 0:  # 4b.ii
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # 4c
        sn >>= 1
    return r if sn == 0 else None  # step 5


def verify_inclusion(
    leaf: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: is ``leaf`` (a leaf hash) leaf ``leaf_index`` of the tree with ``root``?"""
    computed = root_from_inclusion_proof(leaf, leaf_index, tree_size, proof)
    return computed is not None and computed == root


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of ``size1`` leaves with ``root1`` a prefix of ``size2``/``root2``?

    size1 = 0 holds only with an empty proof and root1 the empty root; size1 =
    size2 only with an empty proof and equal roots; size1 > size2 never.
    """
    if not _count(size1) or not _count(size2) or size1 > size2:
        return False
    if len(root1) != 32 or len(root2) != 32:
        return False
    if size1 == 0:
        return len(proof) == 0 and root1 == EMPTY_ROOT
    if size1 == size2:
        return len(proof) == 0 and root1 == root2
    if len(proof) == 0 or any(len(c) != 32 for c in proof):
        return False  # step 1
    # Step 2: when size1 is a power of two the old root is itself on the path.
    path = [root1, *proof] if size1 & (size1 - 1) == 0 else list(proof)
    fn, sn = size1 - 1, size2 - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            return False  # 6a
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)  # 6b.i
            sr = node_hash(c, sr)  # 6b.ii
            if not fn & 1:
                while not fn & 1 and fn != 0:  # 6b.iii
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # 6c
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2  # step 7
