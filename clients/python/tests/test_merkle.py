"""The RFC 9162 verifiers against proofs built here by the RFC 6962 §2.1
recursive definitions (MTH, PATH, PROOF/SUBPROOF), for every tree size up to
33 — and every tampered proof refused."""

from functools import lru_cache

import pytest

from stemedb.hashing import blake3
from stemedb.merkle import EMPTY_ROOT, leaf_hash, node_hash, verify_consistency, verify_inclusion

LEAVES = [leaf_hash(blake3(bytes([i]))) for i in range(33)]


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    return _mth(tuple(leaves))


@lru_cache(maxsize=None)
def _mth(leaves):
    if not leaves:
        return blake3(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def path(m, leaves):
    if len(leaves) == 1:
        return []
    k = split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, whole):
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = split(n)
    if m <= k:
        return subproof(m, leaves[:k], whole) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


def test_empty_root_is_blake3_of_nothing():
    assert EMPTY_ROOT == mth([])


@pytest.mark.parametrize("n", range(1, 34))
def test_inclusion_every_leaf(n):
    root = mth(LEAVES[:n])
    for m in range(n):
        proof = path(m, LEAVES[:n])
        assert verify_inclusion(LEAVES[m], m, n, proof, root)
        assert not verify_inclusion(LEAVES[m], m, n, proof, flip(root))
        assert not verify_inclusion(LEAVES[m], n, n, proof, root)
        if proof:
            assert not verify_inclusion(LEAVES[m], m, n, proof[:-1], root)
            assert not verify_inclusion(LEAVES[m], m, n, [flip(proof[0])] + proof[1:], root)
            assert not verify_inclusion(LEAVES[m], m, n, proof + [proof[0]], root)


@pytest.mark.parametrize("n", range(1, 34))
def test_consistency_every_prefix(n):
    root2 = mth(LEAVES[:n])
    for m in range(0, n + 1):
        root1 = mth(LEAVES[:m])
        proof = subproof(m, LEAVES[:n], True) if 0 < m < n else []
        assert verify_consistency(m, n, root1, root2, proof)
        if 0 < m:  # every tree extends the empty one, whatever its root
            assert not verify_consistency(m, n, root1, flip(root2), proof)
            assert not verify_consistency(m, n, flip(root1), root2, proof)
        if proof:
            assert not verify_consistency(m, n, root1, root2, [flip(proof[0])] + proof[1:])
            assert not verify_consistency(m, n, root1, root2, proof[:-1])
    assert not verify_consistency(n + 1, n, root2, root2, [])
