/**
 * The two hashes of StemeDB's Merkle tree (SPEC §2.3): RFC 6962 §2.1 / RFC 9162
 * §2.1.1 domain separation, with BLAKE3 in place of SHA-256. A leaf hash is
 * HASH(0x00 ‖ id) and an interior node HASH(0x01 ‖ left ‖ right), so no leaf can
 * pass for a node (the second-preimage defence of RFC 6962 §2.1); the empty
 * tree's root is HASH() of the empty string (RFC 6962 §2.1, MTH({})).
 *
 * These run once per leaf and about once more per leaf for its parents on the
 * ingest path: the prefix and inputs go into scratch buffers so each hash is one
 * call to the shared BLAKE3 (src/protocol/blake3.ts), and the only allocation is
 * the 32-byte result the caller keeps.
 */
import { blake3 } from "../protocol/blake3.ts";

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** Output length of every hash in the tree, in bytes. */
export const HASH_LENGTH = 32;

/** RFC 6962 §2.1: MTH({}) = HASH(). */
export const EMPTY_ROOT: Uint8Array = blake3(new Uint8Array(0));

// Scratch inputs with the prefix in place: one update() per hash.
const leafInput = new Uint8Array(1 + HASH_LENGTH);
const nodeInput = new Uint8Array(1 + 2 * HASH_LENGTH);
leafInput[0] = 0x00;
nodeInput[0] = 0x01;

/** RFC 6962 §2.1: MTH({d(0)}) = HASH(0x00 ‖ d(0)); here d(0) is the assertion id. */
export function leafHash(id: Uint8Array): Uint8Array {
  if (id.length !== HASH_LENGTH) return blake3(LEAF_PREFIX, id);
  leafInput.set(id, 1);
  return blake3(leafInput);
}

/** RFC 6962 §2.1: HASH(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_LENGTH || right.length !== HASH_LENGTH) {
    return blake3(NODE_PREFIX, left, right);
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_LENGTH);
  return blake3(nodeInput);
}

/** Byte equality for hashes (public data: no constant-time requirement). */
export function hashEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
