/**
 * The RFC 9162 §2.1.3.2 / §2.1.4.2 verifiers must reject every altered proof:
 * a changed element, index, size or root, an extra or a missing element. Proofs
 * come from MerkleTree, which merkle-tree.test.ts checks against RFC 6962 §2.1.
 */
import { describe, expect, test } from "bun:test";
import { blake3 } from "@noble/hashes/blake3.js";
import { EMPTY_ROOT, leafHash, nodeHash } from "../../../src/merkle/hash.ts";
import { MerkleTree } from "../../../src/merkle/merkle-tree.ts";
import { MemoryNodeStore } from "../../../src/merkle/node-store.ts";
import {
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from "../../../src/merkle/verify-proofs.ts";

const N = 24;
const leaves = Array.from({ length: N }, (_, i) => leafHash(blake3(Uint8Array.of(i))));
const tree = MerkleTree.open(new MemoryNodeStore(), 0);
tree.append(leaves);
const roots = Array.from({ length: N + 1 }, (_, n) => tree.root(n));
const leaf = (i: number) => leaves[i] as Uint8Array;
const rootOf = (n: number) => roots[n] as Uint8Array;

function flipBit(proof: Uint8Array[], at: number, bit: number): Uint8Array[] {
  return proof.map((h, i) => {
    if (i !== at) return h;
    const c = h.slice();
    c[bit >> 3] = (c[bit >> 3] as number) ^ (1 << (bit & 7));
    return c;
  });
}

const junk = blake3(Uint8Array.of(0xff));

describe("verifyInclusion", () => {
  test("accepts every genuine proof and rootFromInclusionProof returns the root", () => {
    for (let n = 1; n <= N; n++) {
      for (let m = 0; m < n; m++) {
        const proof = tree.inclusionProof(m, n);
        expect(verifyInclusion(leaf(m), m, n, proof, rootOf(n))).toBe(true);
        expect(rootFromInclusionProof(leaf(m), m, n, proof)).toEqual(rootOf(n));
      }
    }
  });

  test("rejects a tampered element, leaf, index, size, root, extra or missing element", () => {
    for (let n = 1; n <= N; n++) {
      for (let m = 0; m < n; m++) {
        const proof = tree.inclusionProof(m, n);
        const ok = (l: Uint8Array, i: number, s: number, p: Uint8Array[], r: Uint8Array) =>
          verifyInclusion(l, i, s, p, r);
        for (let at = 0; at < proof.length; at++) {
          expect(ok(leaf(m), m, n, flipBit(proof, at, (at * 37) % 256), rootOf(n))).toBe(false);
        }
        expect(ok(flipBit([leaf(m)], 0, 0)[0] as Uint8Array, m, n, proof, rootOf(n))).toBe(false);
        for (let other = 0; other < n; other++) {
          if (other !== m) expect(ok(leaf(m), other, n, proof, rootOf(n))).toBe(false);
        }
        for (let other = 1; other <= N; other++) {
          if (other !== n && m < other)
            expect(ok(leaf(m), m, other, proof, rootOf(other))).toBe(false);
        }
        expect(ok(leaf(m), m, n, proof, n > 1 ? rootOf(n - 1) : junk)).toBe(false);
        expect(ok(leaf(m), m, n, [...proof, junk], rootOf(n))).toBe(false);
        expect(ok(leaf(m), m, n, [...proof, rootOf(n)], rootOf(n))).toBe(false);
        if (proof.length > 0) {
          expect(ok(leaf(m), m, n, proof.slice(1), rootOf(n))).toBe(false);
          expect(ok(leaf(m), m, n, proof.slice(0, -1), rootOf(n))).toBe(false);
        }
      }
    }
  });

  test("malformed arguments are false, never a throw", () => {
    const proof = tree.inclusionProof(3, 10);
    expect(verifyInclusion(leaf(3), 10, 10, proof, rootOf(10))).toBe(false);
    expect(verifyInclusion(leaf(3), -1, 10, proof, rootOf(10))).toBe(false);
    expect(verifyInclusion(leaf(3), 3.5, 10, proof, rootOf(10))).toBe(false);
    expect(verifyInclusion(leaf(3), 3, Number.NaN, proof, rootOf(10))).toBe(false);
    expect(verifyInclusion(leaf(3), 0, 0, [], EMPTY_ROOT)).toBe(false);
    expect(verifyInclusion(leaf(3).subarray(1), 3, 10, proof, rootOf(10))).toBe(false);
    expect(
      verifyInclusion(leaf(3), 3, 10, [proof[0] as Uint8Array, new Uint8Array(5)], rootOf(10)),
    ).toBe(false);
    expect(rootFromInclusionProof(leaf(3), 3, 10, [])).toBeUndefined();
  });

  test("a single-leaf tree: empty proof, root is the leaf hash", () => {
    expect(verifyInclusion(leaf(0), 0, 1, [], leaf(0))).toBe(true);
    expect(verifyInclusion(leaf(0), 0, 1, [junk], leaf(0))).toBe(false);
  });
});

describe("verifyConsistency", () => {
  test("accepts every genuine proof for 1 <= m <= n", () => {
    for (let n = 1; n <= N; n++) {
      for (let m = 1; m <= n; m++) {
        expect(verifyConsistency(m, n, rootOf(m), rootOf(n), tree.consistencyProof(m, n))).toBe(
          true,
        );
      }
    }
  });

  test("rejects a tampered element, wrong size or root, swapped roots, extra or missing element", () => {
    for (let n = 2; n <= N; n++) {
      for (let m = 1; m < n; m++) {
        const proof = tree.consistencyProof(m, n);
        const ok = (s1: number, s2: number, r1: Uint8Array, r2: Uint8Array, p: Uint8Array[]) =>
          verifyConsistency(s1, s2, r1, r2, p);
        for (let at = 0; at < proof.length; at++) {
          expect(ok(m, n, rootOf(m), rootOf(n), flipBit(proof, at, (at * 53) % 256))).toBe(false);
        }
        for (let other = 1; other <= N; other++) {
          if (other !== m) expect(ok(other, n, rootOf(other), rootOf(n), proof)).toBe(false);
          if (other !== n) expect(ok(m, other, rootOf(m), rootOf(other), proof)).toBe(false);
        }
        expect(ok(m, n, junk, rootOf(n), proof)).toBe(false);
        expect(ok(m, n, rootOf(m), junk, proof)).toBe(false);
        expect(ok(m, n, rootOf(n), rootOf(m), proof)).toBe(false);
        expect(ok(n, m, rootOf(n), rootOf(m), proof)).toBe(false);
        expect(ok(m, n, rootOf(m), rootOf(n), [...proof, junk])).toBe(false);
        expect(ok(m, n, rootOf(m), rootOf(n), [rootOf(m), ...proof])).toBe(false);
        expect(ok(m, n, rootOf(m), rootOf(n), proof.slice(1))).toBe(false);
        expect(ok(m, n, rootOf(m), rootOf(n), proof.slice(0, -1))).toBe(false);
        expect(ok(m, n, rootOf(m), rootOf(n), [])).toBe(false);
      }
    }
  });

  test("size1 = 0: only an empty proof from the empty root", () => {
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])).toBe(true);
    expect(verifyConsistency(0, 7, EMPTY_ROOT, rootOf(7), [])).toBe(true);
    expect(verifyConsistency(0, 7, EMPTY_ROOT, rootOf(7), [junk])).toBe(false);
    expect(verifyConsistency(0, 7, junk, rootOf(7), [])).toBe(false);
  });

  test("size1 = size2: only an empty proof between equal roots", () => {
    expect(verifyConsistency(7, 7, rootOf(7), rootOf(7), [])).toBe(true);
    expect(verifyConsistency(7, 7, rootOf(7), rootOf(6), [])).toBe(false);
    expect(verifyConsistency(7, 7, rootOf(7), rootOf(7), [rootOf(7)])).toBe(false);
  });

  test("malformed arguments are false, never a throw", () => {
    const proof = tree.consistencyProof(3, 10);
    expect(verifyConsistency(10, 3, rootOf(10), rootOf(3), proof)).toBe(false);
    expect(verifyConsistency(-3, 10, rootOf(3), rootOf(10), proof)).toBe(false);
    expect(verifyConsistency(3, 10.5, rootOf(3), rootOf(10), proof)).toBe(false);
    expect(verifyConsistency(3, 10, rootOf(3).subarray(2), rootOf(10), proof)).toBe(false);
    expect(verifyConsistency(3, 10, rootOf(3), rootOf(10), [new Uint8Array(0), ...proof])).toBe(
      false,
    );
  });

  test("sizes past 2^32 are handled with exact arithmetic", () => {
    // Tree of 2^32 + 1 leaves: root = node(X, L) with X = MTH(D[0:2^32]), L the last leaf.
    // PATH(2^32) = [X]; PROOF(2^32, D[2^32 + 1]) = [L]. 32-bit shifts would see size 1.
    const X = junk;
    const L = leaf(5);
    const big = 2 ** 32;
    const root = nodeHash(X, L);
    expect(verifyInclusion(L, big, big + 1, [X], root)).toBe(true);
    expect(verifyInclusion(L, 0, 1, [X], root)).toBe(false);
    expect(verifyConsistency(big, big + 1, X, root, [L])).toBe(true);
    expect(verifyConsistency(big, big + 1, X, root, [X])).toBe(false);
  });
});
