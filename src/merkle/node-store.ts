/**
 * Where the Merkle tree keeps its nodes. Only hashes of perfect, aligned
 * subtrees are stored: node (level, index) is MTH(D[index·2^level :
 * (index+1)·2^level]) in RFC 6962 §2.1 terms, level 0 being the leaf hashes.
 * Such a node never changes once its last leaf is appended, so the store is
 * append-only, and every subtree hash RFC 6962 §2.1.1/§2.1.2 proofs need, for
 * any past tree size, is either one stored node or a fold of O(log n) of them.
 *
 * The SQLite-backed store (src/store) implements this interface; the engine
 * issues the put() calls inside the same transaction as the rows they cover.
 */

export interface MerkleNodeStore {
  /** The hash of perfect subtree (level, index), or undefined if it was never put. */
  get(level: number, index: number): Uint8Array | undefined;
  /** Records a completed perfect subtree. Called once per node, in append order. */
  put(level: number, index: number, hash: Uint8Array): void;
}

/** An in-memory store for tests and tools: one array of hashes per level. */
export class MemoryNodeStore implements MerkleNodeStore {
  private readonly levels: Uint8Array[][] = [];

  get(level: number, index: number): Uint8Array | undefined {
    return this.levels[level]?.[index];
  }

  put(level: number, index: number, hash: Uint8Array): void {
    let nodes = this.levels[level];
    if (nodes === undefined) {
      nodes = [];
      this.levels[level] = nodes;
    }
    nodes[index] = hash;
  }
}
