/**
 * StemeDB's append-only Merkle tree (SPEC §2.3): the Merkle Tree Hash, audit
 * paths and consistency proofs of RFC 6962 §2.1, §2.1.1 and §2.1.2 (restated in
 * RFC 9162 §2.1.1–§2.1.4), over BLAKE3 (./hash.ts).
 *
 * In memory it holds only the right-edge frontier: for each set bit l of the
 * size, the hash of the perfect subtree of 2^l leaves on the right edge (at most
 * log2 n hashes). Appending is the binary-counter carry: a leaf merges with the
 * frontier while the size has trailing ones, and every node completed on the way
 * is written through `MerkleNodeStore.put` (2 writes per leaf amortized). The
 * current root folds the frontier without store reads. Past roots and proofs
 * read stored perfect subtrees; a non-perfect range is split as MTH splits it,
 * at the largest power of two below its length, so each needs O(log n) reads.
 */
import { StemeError } from "../errors.ts";
import { EMPTY_ROOT, HASH_LENGTH, nodeHash } from "./hash.ts";
import type { MerkleNodeStore } from "./node-store.ts";

export class MerkleTree {
  private readonly store: MerkleNodeStore;
  private n: number;
  /** frontier[l]: perfect right-edge subtree of 2^l leaves, present iff bit l of n is set. */
  private frontier: (Uint8Array | undefined)[];
  private currentRoot: Uint8Array | undefined;

  private constructor(store: MerkleNodeStore, size: number, frontier: (Uint8Array | undefined)[]) {
    this.store = store;
    this.n = size;
    this.frontier = frontier;
    this.currentRoot = undefined;
  }

  /**
   * Opens the tree of `size` leaves kept in `store`, reading only the frontier
   * (one stored node per set bit of `size`). `open(store, 0)` starts a new tree.
   */
  static open(store: MerkleNodeStore, size: number): MerkleTree {
    assertCount(size, "size");
    const frontier: (Uint8Array | undefined)[] = [];
    forEachPerfectPart(0, size, (level, index) => {
      frontier[level] = readNode(store, level, index);
    });
    return new MerkleTree(store, size, frontier);
  }

  /** Number of leaves. */
  get size(): number {
    return this.n;
  }

  /**
   * Appends leaf hashes (./hash.ts `leafHash`) as leaves size, size+1, …, and
   * puts every newly completed perfect subtree, leaves included, into the store.
   * All or nothing in memory: if a put throws, the tree keeps its previous size
   * (the caller rolls back the store writes already made, e.g. its transaction).
   */
  append(leafHashes: readonly Uint8Array[]): void {
    for (let i = 0; i < leafHashes.length; i++) {
      if (leafHashes[i]?.length !== HASH_LENGTH) {
        throw new RangeError(`leafHashes[${i}] must be a ${HASH_LENGTH}-byte leaf hash`);
      }
    }
    if (leafHashes.length === 0) return;
    const savedSize = this.n;
    const savedFrontier = this.frontier.slice();
    try {
      for (const leaf of leafHashes) this.appendOne(leaf);
    } catch (e) {
      this.n = savedSize;
      this.frontier = savedFrontier;
      throw e;
    } finally {
      this.currentRoot = undefined;
    }
  }

  private appendOne(leaf: Uint8Array): void {
    const frontier = this.frontier;
    let hash = leaf;
    let level = 0;
    let index = this.n;
    this.store.put(0, index, hash);
    // Binary-counter carry: each trailing one of n completes a perfect subtree.
    while (index % 2 === 1) {
      hash = nodeHash(frontier[level] as Uint8Array, hash);
      frontier[level] = undefined;
      level++;
      index = (index - 1) / 2;
      this.store.put(level, index, hash);
    }
    frontier[level] = hash;
    this.n++;
  }

  /**
   * RFC 6962 §2.1 MTH(D[0:size]) for any size ≤ the current one. The current
   * root comes from the frontier (no store reads, cached until the next append);
   * a past root folds its O(log n) stored perfect parts. Do not mutate the result.
   */
  root(size: number = this.n): Uint8Array {
    this.assertTreeSize(size, "tree_size");
    if (size === 0) return EMPTY_ROOT;
    if (size < this.n) return this.subtreeHash(0, size);
    if (this.currentRoot === undefined) {
      let hash: Uint8Array | undefined;
      for (const part of this.frontier) {
        if (part !== undefined) hash = hash === undefined ? part : nodeHash(part, hash);
      }
      this.currentRoot = hash as Uint8Array;
    }
    return this.currentRoot;
  }

  /**
   * RFC 6962 §2.1.1 PATH(m, D[0:size]): the audit path of leaf `leafIndex` in
   * the tree of `size` leaves, from the leaf's sibling up to the root's child.
   *
   *   PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])    for m < k
   *   PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k]) for m >= k
   */
  inclusionProof(leafIndex: number, size: number): Uint8Array[] {
    assertCount(leafIndex, "leaf_index");
    this.assertTreeSize(size, "tree_size");
    if (leafIndex >= size) {
      throw new StemeError(
        "bad_tree_size",
        `leaf ${leafIndex} is not in a tree of ${size} leaves: ask for a tree_size above ${leafIndex}`,
        { field: "tree_size", leaf_index: leafIndex, tree_size: size },
      );
    }
    const path: Uint8Array[] = [];
    let start = 0;
    let end = size;
    // Walk down from the root; each level contributes the sibling of m's side.
    while (end - start > 1) {
      const k = largestPowerOfTwoBelow(end - start);
      if (leafIndex < start + k) {
        path.push(this.subtreeHash(start + k, end));
        end = start + k;
      } else {
        path.push(this.subtreeHash(start, start + k));
        start += k;
      }
    }
    return path.reverse();
  }

  /**
   * RFC 6962 §2.1.2 PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), with
   *
   *   SUBPROOF(m, D[m], true)  = {}
   *   SUBPROOF(m, D[m], false) = {MTH(D[m])}
   *   SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])         for m <= k
   *   SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) for m > k
   *
   * `from = 0` and `from = to` give the empty proof (SPEC §3).
   */
  consistencyProof(from: number, to: number): Uint8Array[] {
    assertCount(from, "from");
    this.assertTreeSize(to, "to");
    if (from > to) {
      throw new StemeError("bad_tree_size", `from (${from}) must not exceed to (${to})`, {
        field: "from",
        from,
        to,
      });
    }
    if (from === 0 || from === to) return [];
    const proof: Uint8Array[] = [];
    let start = 0;
    let end = to;
    let m = from; // leaves of the old tree inside [start, end)
    let whole = true; // the b flag: [start, start+m) is the whole old tree
    while (m !== end - start) {
      const k = largestPowerOfTwoBelow(end - start);
      if (m <= k) {
        proof.push(this.subtreeHash(start + k, end));
        end = start + k;
      } else {
        proof.push(this.subtreeHash(start, start + k));
        start += k;
        m -= k;
        whole = false;
      }
    }
    if (!whole) proof.push(this.subtreeHash(start, end));
    return proof.reverse();
  }

  /**
   * MTH(D[start:end]) for a range that is a node of some RFC 6962 tree (start a
   * multiple of a power of two ≥ its length): its perfect parts, largest first,
   * folded from the right, which is exactly how MTH splits it.
   */
  private subtreeHash(start: number, end: number): Uint8Array {
    const parts: Uint8Array[] = [];
    forEachPerfectPart(start, end, (level, index) => {
      parts.push(readNode(this.store, level, index));
    });
    let hash = parts[parts.length - 1] as Uint8Array;
    for (let i = parts.length - 2; i >= 0; i--) hash = nodeHash(parts[i] as Uint8Array, hash);
    return hash;
  }

  private assertTreeSize(size: number, field: string): void {
    assertCount(size, field);
    if (size > this.n) {
      throw new StemeError(
        "bad_tree_size",
        `${field} ${size} exceeds the current tree size ${this.n}`,
        { field, tree_size: size, current_tree_size: this.n },
      );
    }
  }
}

function assertCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/** The k of RFC 6962 §2.1: the largest power of two smaller than n (n ≥ 2). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Calls `visit(level, index)` for the perfect aligned subtrees that tile
 * [start, end), largest first. Plain arithmetic, not bit operators, so sizes
 * past 2^31 stay exact.
 */
function forEachPerfectPart(
  start: number,
  end: number,
  visit: (level: number, index: number) => void,
): void {
  let width = 1;
  let level = 0;
  while (width * 2 <= end - start) {
    width *= 2;
    level++;
  }
  let offset = start;
  for (; level >= 0; level--, width /= 2) {
    if (end - offset >= width) {
      visit(level, offset / width);
      offset += width;
    }
  }
}

function readNode(store: MerkleNodeStore, level: number, index: number): Uint8Array {
  const hash = store.get(level, index);
  if (hash === undefined) {
    throw new StemeError(
      "internal",
      `Merkle node (level ${level}, index ${index}) is missing from the node store: the store ` +
        "is behind the tree size it was opened at; run `stemedb verify` on the data dir",
      { level, index },
    );
  }
  return hash;
}
