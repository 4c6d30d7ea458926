/**
 * MerkleTree against a reference written here, straight from the recursive
 * definitions of RFC 6962 §2.1 (MTH), §2.1.1 (PATH) and §2.1.2 (PROOF/SUBPROOF)
 * over arrays of leaves, hashing with one-shot BLAKE3 rather than ../hash.ts.
 * Every produced proof is also checked with the RFC 9162 verifiers.
 */
import { describe, expect, test } from "bun:test";
import { blake3 } from "@noble/hashes/blake3.js";
import { isStemeError } from "../../../src/errors.ts";
import { toHex } from "../../../src/hex.ts";
import { leafHash } from "../../../src/merkle/hash.ts";
import { MerkleTree } from "../../../src/merkle/merkle-tree.ts";
import { MemoryNodeStore, type MerkleNodeStore } from "../../../src/merkle/node-store.ts";
import { verifyConsistency, verifyInclusion } from "../../../src/merkle/verify-proofs.ts";

// --- RFC 6962 §2.1 reference (D is an array of leaf inputs, here assertion ids) ---

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function refLeaf(d: Uint8Array): Uint8Array {
  return blake3(concat(Uint8Array.of(0x00), d));
}

function refNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  return blake3(concat(Uint8Array.of(0x01), left, right));
}

/** "the largest power of two smaller than n" */
function refSplit(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH({}) = HASH(); MTH({d(0)}) = HASH(0x00 || d(0)); MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])). */
function MTH(D: Uint8Array[]): Uint8Array {
  const n = D.length;
  if (n === 0) return blake3(new Uint8Array(0));
  const cached = mthCache.get(D[0] as Uint8Array)?.get(n);
  if (cached !== undefined) return cached;
  const hash =
    n === 1
      ? refLeaf(D[0] as Uint8Array)
      : refNode(MTH(D.slice(0, refSplit(n))), MTH(D.slice(refSplit(n), n)));
  let byLength = mthCache.get(D[0] as Uint8Array);
  if (byLength === undefined) {
    byLength = new Map();
    mthCache.set(D[0] as Uint8Array, byLength);
  }
  byLength.set(n, hash);
  return hash;
}

/**
 * Speed only: MTH is pure and every D here is a slice of one array of distinct
 * id objects, so (first id object, length) names D.
 */
const mthCache = new WeakMap<Uint8Array, Map<number, Uint8Array>>();

/** PATH(m, {d(0)}) = {}; PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) or PATH(m - k, D[k:n]) : MTH(D[0:k]). */
function PATH(m: number, D: Uint8Array[]): Uint8Array[] {
  const n = D.length;
  if (n === 1) return [];
  const k = refSplit(n);
  if (m < k) return [...PATH(m, D.slice(0, k)), MTH(D.slice(k, n))];
  return [...PATH(m - k, D.slice(k, n)), MTH(D.slice(0, k))];
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
function PROOF(m: number, D: Uint8Array[]): Uint8Array[] {
  return SUBPROOF(m, D, true);
}

function SUBPROOF(m: number, D: Uint8Array[], b: boolean): Uint8Array[] {
  const n = D.length;
  if (m === n) return b ? [] : [MTH(D)];
  const k = refSplit(n);
  if (m <= k) return [...SUBPROOF(m, D.slice(0, k), b), MTH(D.slice(k, n))];
  return [...SUBPROOF(m - k, D.slice(k, n), false), MTH(D.slice(0, k))];
}

// --- helpers ---

/** Deterministic assertion ids so a failure reproduces. */
function makeIds(n: number, salt = 0): Uint8Array[] {
  const ids: Uint8Array[] = [];
  const buf = new Uint8Array(8);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < n; i++) {
    view.setUint32(0, i);
    view.setUint32(4, salt);
    ids.push(blake3(buf));
  }
  return ids;
}

/** mulberry32: a seeded PRNG for the randomized cases. */
function prng(seed: number): (below: number) => number {
  let a = seed >>> 0;
  return (below) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

const hex = (hashes: Uint8Array[]) => hashes.map(toHex);

function buildTree(ids: Uint8Array[], store: MerkleNodeStore = new MemoryNodeStore()): MerkleTree {
  const tree = MerkleTree.open(store, 0);
  tree.append(ids.map(leafHash));
  return tree;
}

class CountingStore implements MerkleNodeStore {
  readonly inner = new MemoryNodeStore();
  gets = 0;
  puts = 0;
  get(level: number, index: number): Uint8Array | undefined {
    this.gets++;
    return this.inner.get(level, index);
  }
  put(level: number, index: number, hash: Uint8Array): void {
    this.puts++;
    this.inner.put(level, index, hash);
  }
}

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isStemeError(caught)).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}

// --- exhaustive small trees ---

describe("every tree size 1..70 matches RFC 6962 §2.1", () => {
  const N = 70;
  const ids = makeIds(N);
  const store = new MemoryNodeStore();
  buildTree(ids, store);
  const refRoots = Array.from({ length: N + 1 }, (_, n) => MTH(ids.slice(0, n)));

  test("root, inclusion proofs (PATH) and consistency proofs (PROOF) for every size", () => {
    for (let n = 1; n <= N; n++) {
      const D = ids.slice(0, n);
      const tree = MerkleTree.open(store, n); // n is the current size here
      expect(tree.size).toBe(n);
      const root = tree.root();
      expect(toHex(root)).toBe(toHex(refRoots[n] as Uint8Array));
      for (let m = 0; m < n; m++) {
        const proof = tree.inclusionProof(m, n);
        expect(hex(proof)).toEqual(hex(PATH(m, D)));
        expect(verifyInclusion(refLeaf(D[m] as Uint8Array), m, n, proof, root)).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(hex(proof)).toEqual(hex(PROOF(m, D)));
        const root1 = refRoots[m] as Uint8Array;
        expect(verifyConsistency(m, n, root1, root, proof)).toBe(true);
      }
    }
  });

  test("past roots and proofs from the full tree equal those of the smaller trees", () => {
    const tree = MerkleTree.open(store, N);
    for (let n = 0; n <= N; n++) {
      expect(toHex(tree.root(n))).toBe(toHex(refRoots[n] as Uint8Array));
    }
    for (const n of [1, 2, 3, 7, 8, 9, 31, 32, 33, 64, 69]) {
      const small = MerkleTree.open(store, n);
      for (let m = 0; m < n; m++) {
        expect(hex(tree.inclusionProof(m, n))).toEqual(hex(small.inclusionProof(m, n)));
      }
      for (let m = 0; m <= n; m++) {
        expect(hex(tree.consistencyProof(m, n))).toEqual(hex(small.consistencyProof(m, n)));
      }
    }
  });

  test("from = 0 and from = to give empty consistency proofs", () => {
    const tree = MerkleTree.open(store, N);
    for (const n of [0, 1, 5, N]) {
      expect(tree.consistencyProof(0, n)).toEqual([]);
      expect(tree.consistencyProof(n, n)).toEqual([]);
    }
  });
});

describe("larger random trees", () => {
  test("random sizes 1000-5000: roots, PATH and PROOF for random leaves and (m, n)", () => {
    const rand = prng(0x5eed6962);
    const sizes = [1000, 1024, 1025, 2047, 4096, 1000 + rand(4001), 1000 + rand(4001)];
    const maxN = Math.max(...sizes);
    const ids = makeIds(maxN, 1);
    const tree = buildTree(ids);
    for (const n of sizes) {
      const D = ids.slice(0, n);
      const root = tree.root(n);
      expect(toHex(root)).toBe(toHex(MTH(D)));
      for (let i = 0; i < 6; i++) {
        const m = i === 0 ? n - 1 : rand(n);
        const proof = tree.inclusionProof(m, n);
        expect(hex(proof)).toEqual(hex(PATH(m, D)));
        expect(verifyInclusion(leafHash(D[m] as Uint8Array), m, n, proof, root)).toBe(true);
      }
      for (let i = 0; i < 6; i++) {
        const m = i === 0 ? n - 1 : 1 + rand(n);
        const proof = tree.consistencyProof(m, n);
        expect(hex(proof)).toEqual(hex(PROOF(m, D)));
        expect(verifyConsistency(m, n, tree.root(m), root, proof)).toBe(true);
      }
    }
  });
});

describe("incremental appends", () => {
  test("irregular batches with reopening: every past root matches", () => {
    const rand = prng(42);
    const N = 1500;
    const ids = makeIds(N, 2);
    const store = new MemoryNodeStore();
    let tree = MerkleTree.open(store, 0);
    let next = 0;
    let batches = 0;
    while (next < N) {
      const batch = Math.min(N - next, [0, 1, 1, 2, 3, 7, 16, 33][rand(8)] as number);
      tree.append(ids.slice(next, next + batch).map(leafHash));
      next += batch;
      expect(tree.size).toBe(next);
      expect(toHex(tree.root())).toBe(toHex(MTH(ids.slice(0, next))));
      if (++batches % 5 === 0) tree = MerkleTree.open(store, next); // as after a restart
    }
    for (let k = 0; k <= N; k++) {
      expect(toHex(tree.root(k))).toBe(toHex(MTH(ids.slice(0, k))));
    }
  });

  test("a tree reopened at a past size continues as if never stopped", () => {
    const ids = makeIds(100, 3);
    const store = new MemoryNodeStore();
    buildTree(ids.slice(0, 77), store);
    const reopened = MerkleTree.open(store, 77);
    reopened.append(ids.slice(77).map(leafHash));
    expect(toHex(reopened.root())).toBe(toHex(MTH(ids)));
  });
});

describe("store traffic", () => {
  test("at most 2 puts per leaf amortized; current root reads nothing", () => {
    const store = new CountingStore();
    const tree = MerkleTree.open(store, 0);
    const ids = makeIds(10_000, 4);
    let total = 0;
    for (const batch of [1, 10, 100, 889, 9000]) {
      tree.append(ids.slice(total, total + batch).map(leafHash));
      total += batch;
      // Exactly one put per completed perfect subtree: 2n - popcount(n).
      const popcount = total.toString(2).replaceAll("0", "").length;
      expect(store.puts).toBe(2 * total - popcount);
      expect(store.puts).toBeLessThanOrEqual(2 * total);
    }
    store.gets = 0;
    tree.root();
    tree.root();
    expect(store.gets).toBe(0);
  });

  test("open reads one node per set bit; past roots and proofs read O(log n)", () => {
    const store = new CountingStore();
    buildTree(makeIds(5000, 5), store);
    store.gets = 0;
    const tree = MerkleTree.open(store, 4999); // 0b1001110000111: 7 set bits
    expect(store.gets).toBe(7);
    store.gets = 0;
    tree.root(4095);
    expect(store.gets).toBe(12);
    const logN = Math.ceil(Math.log2(5000));
    for (const [m, n] of [
      [0, 4999],
      [4998, 4999],
      [2500, 3333],
    ] as const) {
      store.gets = 0;
      tree.inclusionProof(m, n);
      expect(store.gets).toBeLessThanOrEqual(2 * logN);
      store.gets = 0;
      tree.consistencyProof(m + 1, n);
      expect(store.gets).toBeLessThanOrEqual(2 * logN);
    }
  });
});

describe("errors", () => {
  const tree = buildTree(makeIds(10, 6));

  test("sizes beyond the tree are bad_tree_size", () => {
    expectCode(() => tree.root(11), "bad_tree_size");
    expectCode(() => tree.inclusionProof(0, 11), "bad_tree_size");
    expectCode(() => tree.inclusionProof(10, 10), "bad_tree_size");
    expectCode(() => tree.inclusionProof(3, 3), "bad_tree_size");
    expectCode(() => tree.inclusionProof(0, 0), "bad_tree_size");
    expectCode(() => tree.consistencyProof(6, 5), "bad_tree_size");
    expectCode(() => tree.consistencyProof(3, 11), "bad_tree_size");
  });

  test("negative, fractional or non-finite arguments are RangeErrors", () => {
    expect(() => tree.root(-1)).toThrow(RangeError);
    expect(() => tree.root(1.5)).toThrow(RangeError);
    expect(() => tree.inclusionProof(Number.NaN, 5)).toThrow(RangeError);
    expect(() => tree.consistencyProof(-1, 5)).toThrow(RangeError);
    expect(() => MerkleTree.open(new MemoryNodeStore(), Number.POSITIVE_INFINITY)).toThrow(
      RangeError,
    );
  });

  test("a leaf hash of the wrong length is refused and nothing is appended", () => {
    const t = buildTree(makeIds(3, 7));
    const before = toHex(t.root());
    expect(() => t.append([leafHash(new Uint8Array(32)), new Uint8Array(31)])).toThrow(RangeError);
    expect(t.size).toBe(3);
    expect(toHex(t.root())).toBe(before);
  });

  test("opening past what the store holds names the missing node", () => {
    const store = new MemoryNodeStore();
    buildTree(makeIds(4, 8), store);
    expectCode(() => MerkleTree.open(store, 5), "internal");
  });

  test("a failing put leaves the tree at its previous size", () => {
    const ids = makeIds(20, 9);
    const inner = new MemoryNodeStore();
    let failAt = -1;
    let puts = 0;
    const flaky: MerkleNodeStore = {
      get: (l, i) => inner.get(l, i),
      put: (l, i, h) => {
        if (puts++ === failAt) throw new Error("disk full");
        inner.put(l, i, h);
      },
    };
    const t = MerkleTree.open(flaky, 0);
    t.append(ids.slice(0, 7).map(leafHash));
    const before = toHex(t.root());
    failAt = puts + 5;
    expect(() => t.append(ids.slice(7).map(leafHash))).toThrow("disk full");
    expect(t.size).toBe(7);
    expect(toHex(t.root())).toBe(before);
    t.append(ids.slice(7).map(leafHash)); // the retry (after the caller's rollback) succeeds
    expect(toHex(t.root())).toBe(toHex(MTH(ids)));
  });
});

/**
 * A store standing in for a tree of `size` leaves far too big to build. Nodes
 * whose range holds a watched leaf are real parents of their children (so a
 * verifier recomputing that leaf's ancestors agrees with them); every other node
 * is an opaque hash of (level, index). A tree reading a wrong index, e.g. after
 * 32-bit truncation, gets a different opaque value and its proofs fail.
 */
class SyntheticStore implements MerkleNodeStore {
  private readonly memo = new Map<string, Uint8Array>();
  private readonly written = new Map<string, Uint8Array>();
  readonly bad: string[] = [];
  constructor(
    private readonly size: number,
    private readonly watched: number[],
  ) {}

  get(level: number, index: number): Uint8Array | undefined {
    const key = `${level}/${index}`;
    const put = this.written.get(key);
    if (put !== undefined) return put;
    if (!Number.isSafeInteger(index) || index < 0 || (index + 1) * 2 ** level > this.size) {
      this.bad.push(key);
      return undefined;
    }
    return this.value(level, index);
  }

  put(level: number, index: number, hash: Uint8Array): void {
    this.written.set(`${level}/${index}`, hash);
  }

  private value(level: number, index: number): Uint8Array {
    const key = `${level}/${index}`;
    let hash = this.memo.get(key);
    if (hash !== undefined) return hash;
    const view = new DataView(new ArrayBuffer(9));
    view.setUint8(0, level);
    view.setFloat64(1, index);
    const start = index * 2 ** level;
    const end = start + 2 ** level;
    if (level === 0) {
      hash = leafHash(new Uint8Array(view.buffer));
    } else if (this.watched.some((t) => t >= start && t < end)) {
      hash = refNode(this.value(level - 1, index * 2), this.value(level - 1, index * 2 + 1));
    } else {
      hash = blake3(new Uint8Array(view.buffer));
    }
    this.memo.set(key, hash);
    return hash;
  }
}

describe("tree sizes past 2^32", () => {
  test("open, append, past roots and proofs stay exact (synthetic store)", () => {
    const S = 2 ** 40 + 2 ** 33 + 12_345;
    const watched = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 - 1, 2 ** 40, S - 2, S - 1];
    const store = new SyntheticStore(S, watched);
    const tree = MerkleTree.open(store, S);
    tree.append(makeIds(5, 10).map(leafHash));
    const n = S + 5;
    expect(tree.size).toBe(n);
    for (const size of [S, n]) {
      const root = tree.root(size);
      for (const m of watched) {
        const leaf = store.get(0, m) as Uint8Array;
        expect(verifyInclusion(leaf, m, size, tree.inclusionProof(m, size), root)).toBe(true);
        expect(verifyInclusion(leaf, m + 1, size, tree.inclusionProof(m, size), root)).toBe(false);
        const first = m + 1;
        const proof = tree.consistencyProof(first, size);
        expect(verifyConsistency(first, size, tree.root(first), root, proof)).toBe(true);
      }
    }
    expect(store.bad).toEqual([]);
  });
});
