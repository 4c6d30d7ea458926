/**
 * A node store that reads through to a base store and keeps its own writes in
 * memory: for extending a tree without touching where it is kept (a backup
 * computes the root its log tail leads to over a read-only snapshot).
 */
import { MemoryNodeStore, type MerkleNodeStore } from "./node-store.ts";

export class OverlayNodeStore implements MerkleNodeStore {
  readonly #base: MerkleNodeStore;
  readonly #added = new MemoryNodeStore();

  constructor(base: MerkleNodeStore) {
    this.#base = base;
  }

  get(level: number, index: number): Uint8Array | undefined {
    return this.#added.get(level, index) ?? this.#base.get(level, index);
  }

  put(level: number, index: number, hash: Uint8Array): void {
    this.#added.put(level, index, hash);
  }
}
