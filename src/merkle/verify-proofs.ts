/**
 * Client-side checks of StemeDB's Merkle proofs, written from the iterative
 * algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), with
 * BLAKE3 node hashes (SPEC §2.3). Used by the SDK and CLI: depends on nothing
 * but ./hash.ts, never on a store. Every function answers malformed input
 * (bad sizes, wrong-length hashes) with "not verified" instead of throwing.
 *
 * LSB and right shifts are done with arithmetic, not bit operators, so tree
 * sizes past 2^31 stay exact.
 */
import { EMPTY_ROOT, HASH_LENGTH, hashEquals, nodeHash } from "./hash.ts";

/**
 * RFC 9162 §2.1.3.2 steps 1–5 up to the final comparison: the root that
 * `proof` leads to from `leafHash` at `leafIndex` in a tree of `treeSize`
 * leaves, or undefined when the proof cannot be for that position (wrong
 * length, index out of range, malformed hashes).
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  // Step 1: leaf_index must be below tree_size.
  if (!isCount(leafIndex) || !isCount(treeSize) || leafIndex >= treeSize) return undefined;
  if (leafHash.length !== HASH_LENGTH) return undefined;
  // Steps 2–3.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  // Step 4.
  for (const p of proof) {
    if (p.length !== HASH_LENGTH) return undefined;
    if (sn === 0) return undefined; // 4a: the path is longer than the tree is deep
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r); // 4b.i
      if (!isOdd(fn)) {
        // 4b.ii: skip the levels where this node has no right sibling.
        while (!isOdd(fn) && fn !== 0) {
          fn /= 2;
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn); // 4c
    sn = half(sn);
  }
  // Step 5: the path must reach the root exactly.
  return sn === 0 ? r : undefined;
}

/** RFC 9162 §2.1.3.2: does `proof` show leaf `leafIndex` = `leafHash` in the tree with `root`? */
export function verifyInclusion(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const computed = rootFromInclusionProof(leafHash, leafIndex, treeSize, proof);
  return computed !== undefined && hashEquals(computed, root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of `size1` leaves with
 * `root1` is a prefix of the tree of `size2` leaves with `root2`?
 *
 * Edge cases (SPEC §3): size1 = 0 holds only with an empty proof and root1 the
 * empty tree's root (every tree extends the empty one); size1 = size2 holds
 * only with an empty proof and equal roots; size1 > size2 never holds.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isCount(size1) || !isCount(size2) || size1 > size2) return false;
  if (root1.length !== HASH_LENGTH || root2.length !== HASH_LENGTH) return false;
  if (size1 === 0) return proof.length === 0 && hashEquals(root1, EMPTY_ROOT);
  if (size1 === size2) return proof.length === 0 && hashEquals(root1, root2);
  // Step 1: a proof between different non-empty sizes is never empty.
  if (proof.length === 0) return false;
  for (const c of proof) if (c.length !== HASH_LENGTH) return false;
  // Step 2: if size1 is a power of two, the old root is itself on the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4: climb past the levels where the old tree's last node is a right child.
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false; // 6a
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr); // 6b.i
      sr = nodeHash(c, sr); // 6b.ii
      if (!isOdd(fn)) {
        // 6b.iii
        while (!isOdd(fn) && fn !== 0) {
          fn /= 2;
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn); // 6c
    sn = half(sn);
  }
  // Step 7.
  return sn === 0 && hashEquals(fr, root1) && hashEquals(sr, root2);
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isOdd(x: number): boolean {
  return x % 2 === 1;
}

/** x >> 1 for non-negative safe integers. */
function half(x: number): number {
  return Math.floor(x / 2);
}

function isPowerOfTwo(x: number): boolean {
  let p = 1;
  while (p < x) p *= 2;
  return p === x;
}
