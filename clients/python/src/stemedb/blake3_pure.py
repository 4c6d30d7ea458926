"""BLAKE3 in pure Python, written from the BLAKE3 specification
(O'Connor, Aumasson, Neves, Wilcox-O'Hearn, 2020: https://github.com/BLAKE3-team/BLAKE3-specs),
for machines without the ``blake3`` package (see ``hashing.py``).

Only what StemeDB needs: the default hash mode (no key, no key derivation),
with any output length (the extendable output of spec §2.6). Hashes are over
a whole message at once: ids and Merkle nodes are small. The round function is
unrolled by hand (spec §2.2 ``G`` written out eight times per round, the
message permutation of §2.2 applied as a precomputed schedule) because a
function call per ``G`` costs more than the arithmetic. Tested against the
official input pattern in ``tests/test_blake3.py``.
"""

from __future__ import annotations

import struct
from typing import List, Tuple

__all__ = ["blake3_pure"]

# Spec §2.1: the IV is SHA-256's.
IV = (
    0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
    0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
)
M = 0xFFFFFFFF
BLOCK_LEN = 64
CHUNK_LEN = 1024

# Spec §2.1, Table 3: domain flags.
CHUNK_START = 1
CHUNK_END = 2
PARENT = 4
ROOT = 8

# Spec §2.2, Table 2: the message permutation, applied after every round but
# the last; SCHEDULE[r][i] is the original index of message word i in round r.
_PERMUTATION = (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8)


def _schedule() -> Tuple[Tuple[int, ...], ...]:
    rounds = []
    order = tuple(range(16))
    for _ in range(7):
        rounds.append(order)
        order = tuple(order[_PERMUTATION[i]] for i in range(16))
    return tuple(rounds)


SCHEDULE = _schedule()
_UNPACK_BLOCK = struct.Struct("<16I").unpack
_PACK_WORDS = struct.Struct("<16I").pack


def compress(
    cv: Tuple[int, ...], m: Tuple[int, ...], counter: int, block_len: int, flags: int
) -> List[int]:
    """Spec §2.2: the compression function; returns all 16 output words."""
    s0, s1, s2, s3, s4, s5, s6, s7 = cv
    s8, s9, s10, s11 = IV[0], IV[1], IV[2], IV[3]
    s12, s13, s14, s15 = counter & M, (counter >> 32) & M, block_len, flags
    for order in SCHEDULE:
        w = [m[i] for i in order]
        # Columns.
        s0 = (s0 + s4 + w[0]) & M
        s12 ^= s0
        s12 = (s12 >> 16 | s12 << 16) & M
        s8 = (s8 + s12) & M
        s4 ^= s8
        s4 = (s4 >> 12 | s4 << 20) & M
        s0 = (s0 + s4 + w[1]) & M
        s12 ^= s0
        s12 = (s12 >> 8 | s12 << 24) & M
        s8 = (s8 + s12) & M
        s4 ^= s8
        s4 = (s4 >> 7 | s4 << 25) & M
        s1 = (s1 + s5 + w[2]) & M
        s13 ^= s1
        s13 = (s13 >> 16 | s13 << 16) & M
        s9 = (s9 + s13) & M
        s5 ^= s9
        s5 = (s5 >> 12 | s5 << 20) & M
        s1 = (s1 + s5 + w[3]) & M
        s13 ^= s1
        s13 = (s13 >> 8 | s13 << 24) & M
        s9 = (s9 + s13) & M
        s5 ^= s9
        s5 = (s5 >> 7 | s5 << 25) & M
        s2 = (s2 + s6 + w[4]) & M
        s14 ^= s2
        s14 = (s14 >> 16 | s14 << 16) & M
        s10 = (s10 + s14) & M
        s6 ^= s10
        s6 = (s6 >> 12 | s6 << 20) & M
        s2 = (s2 + s6 + w[5]) & M
        s14 ^= s2
        s14 = (s14 >> 8 | s14 << 24) & M
        s10 = (s10 + s14) & M
        s6 ^= s10
        s6 = (s6 >> 7 | s6 << 25) & M
        s3 = (s3 + s7 + w[6]) & M
        s15 ^= s3
        s15 = (s15 >> 16 | s15 << 16) & M
        s11 = (s11 + s15) & M
        s7 ^= s11
        s7 = (s7 >> 12 | s7 << 20) & M
        s3 = (s3 + s7 + w[7]) & M
        s15 ^= s3
        s15 = (s15 >> 8 | s15 << 24) & M
        s11 = (s11 + s15) & M
        s7 ^= s11
        s7 = (s7 >> 7 | s7 << 25) & M
        # Diagonals.
        s0 = (s0 + s5 + w[8]) & M
        s15 ^= s0
        s15 = (s15 >> 16 | s15 << 16) & M
        s10 = (s10 + s15) & M
        s5 ^= s10
        s5 = (s5 >> 12 | s5 << 20) & M
        s0 = (s0 + s5 + w[9]) & M
        s15 ^= s0
        s15 = (s15 >> 8 | s15 << 24) & M
        s10 = (s10 + s15) & M
        s5 ^= s10
        s5 = (s5 >> 7 | s5 << 25) & M
        s1 = (s1 + s6 + w[10]) & M
        s12 ^= s1
        s12 = (s12 >> 16 | s12 << 16) & M
        s11 = (s11 + s12) & M
        s6 ^= s11
        s6 = (s6 >> 12 | s6 << 20) & M
        s1 = (s1 + s6 + w[11]) & M
        s12 ^= s1
        s12 = (s12 >> 8 | s12 << 24) & M
        s11 = (s11 + s12) & M
        s6 ^= s11
        s6 = (s6 >> 7 | s6 << 25) & M
        s2 = (s2 + s7 + w[12]) & M
        s13 ^= s2
        s13 = (s13 >> 16 | s13 << 16) & M
        s8 = (s8 + s13) & M
        s7 ^= s8
        s7 = (s7 >> 12 | s7 << 20) & M
        s2 = (s2 + s7 + w[13]) & M
        s13 ^= s2
        s13 = (s13 >> 8 | s13 << 24) & M
        s8 = (s8 + s13) & M
        s7 ^= s8
        s7 = (s7 >> 7 | s7 << 25) & M
        s3 = (s3 + s4 + w[14]) & M
        s14 ^= s3
        s14 = (s14 >> 16 | s14 << 16) & M
        s9 = (s9 + s14) & M
        s4 ^= s9
        s4 = (s4 >> 12 | s4 << 20) & M
        s3 = (s3 + s4 + w[15]) & M
        s14 ^= s3
        s14 = (s14 >> 8 | s14 << 24) & M
        s9 = (s9 + s14) & M
        s4 ^= s9
        s4 = (s4 >> 7 | s4 << 25) & M
    return [
        s0 ^ s8, s1 ^ s9, s2 ^ s10, s3 ^ s11, s4 ^ s12, s5 ^ s13, s6 ^ s14, s7 ^ s15,
        s8 ^ cv[0], s9 ^ cv[1], s10 ^ cv[2], s11 ^ cv[3],
        s12 ^ cv[4], s13 ^ cv[5], s14 ^ cv[6], s15 ^ cv[7],
    ]


class _Output:
    """Spec §2.6: a node's last compression inputs, before the ROOT-or-not choice."""

    __slots__ = ("cv", "block", "counter", "block_len", "flags")

    def __init__(
        self, cv: Tuple[int, ...], block: Tuple[int, ...], counter: int, block_len: int, flags: int
    ) -> None:
        self.cv = cv
        self.block = block
        self.counter = counter
        self.block_len = block_len
        self.flags = flags

    def chaining_value(self) -> Tuple[int, ...]:
        return tuple(compress(self.cv, self.block, self.counter, self.block_len, self.flags)[:8])

    def root_bytes(self, length: int) -> bytes:
        # Spec §2.6: the root's output blocks, counter = output block index.
        out = bytearray()
        block_index = 0
        while len(out) < length:
            words = compress(self.cv, self.block, block_index, self.block_len, self.flags | ROOT)
            out += _PACK_WORDS(*words)
            block_index += 1
        return bytes(out[:length])


def _chunk_output(data: memoryview, chunk_index: int) -> _Output:
    """Spec §2.4: a chunk of up to 1024 bytes, compressed block by block from the key (IV)."""
    cv: Tuple[int, ...] = IV
    blocks = max(1, (len(data) + BLOCK_LEN - 1) // BLOCK_LEN)
    for b in range(blocks):
        block = bytes(data[b * BLOCK_LEN : (b + 1) * BLOCK_LEN])
        flags = CHUNK_START if b == 0 else 0
        words = _UNPACK_BLOCK(block.ljust(BLOCK_LEN, b"\0"))
        if b == blocks - 1:
            return _Output(cv, words, chunk_index, len(block), flags | CHUNK_END)
        cv = tuple(compress(cv, words, chunk_index, BLOCK_LEN, flags)[:8])
    raise AssertionError("unreachable")


def _subtree_output(data: memoryview, first_chunk: int) -> _Output:
    """Spec §2.5: the left subtree holds the largest power of two of chunks that leaves a right one."""
    if len(data) <= CHUNK_LEN:
        return _chunk_output(data, first_chunk)
    chunks = (len(data) + CHUNK_LEN - 1) // CHUNK_LEN
    left_chunks = 1 << ((chunks - 1).bit_length() - 1)
    split = left_chunks * CHUNK_LEN
    left = _subtree_output(data[:split], first_chunk).chaining_value()
    right = _subtree_output(data[split:], first_chunk + left_chunks).chaining_value()
    return _Output(IV, left + right, 0, BLOCK_LEN, PARENT)


def blake3_pure(data: bytes, length: int = 32) -> bytes:
    """BLAKE3 of ``data`` (default mode), ``length`` bytes of output (default 32)."""
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}")
    return _subtree_output(memoryview(bytes(data)), 0).root_bytes(length)
