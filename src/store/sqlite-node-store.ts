/**
 * The Merkle tree's perfect-subtree hashes in SQLite (SPEC §5). Leaf hashes
 * (level 0) are not stored: they are derived from the assertion id at that seq,
 * which halves the table (a redacted assertion's, SPEC §12, from the id kept in
 * `redacted`). Writes happen inside the apply transaction, so the
 * tree and the rows it covers always commit together.
 */
import type { Database, Statement } from "bun:sqlite";
import { leafHash } from "../merkle/hash.ts";
import type { MerkleNodeStore } from "../merkle/node-store.ts";

/** merkle_nodes.k of node (level, index) is level * LEVEL_SHIFT + index. */
export const LEVEL_SHIFT = 2 ** 40;

export class SqliteNodeStore implements MerkleNodeStore {
  readonly #get: Statement<{ hash: Uint8Array }, [number]>;
  readonly #put: Statement<unknown, [number, Uint8Array]>;
  readonly #leaf: Statement<{ id: Uint8Array }, [number]>;
  readonly #redactedLeaf: Statement<{ id: Uint8Array }, [number]>;

  constructor(db: Database) {
    this.#get = db.query("SELECT hash FROM merkle_nodes WHERE k = ?");
    this.#put = db.query("INSERT OR REPLACE INTO merkle_nodes (k, hash) VALUES (?, ?)");
    this.#leaf = db.query("SELECT id FROM assertions WHERE seq = ?");
    this.#redactedLeaf = db.query("SELECT id FROM redacted WHERE seq = ?");
  }

  get(level: number, index: number): Uint8Array | undefined {
    if (level === 0) {
      const row = this.#leaf.get(index + 1) ?? this.#redactedLeaf.get(index + 1);
      return row === null ? undefined : leafHash(row.id);
    }
    return this.#get.get(level * LEVEL_SHIFT + index)?.hash ?? undefined;
  }

  put(level: number, index: number, hash: Uint8Array): void {
    if (level === 0) return; // derived from assertions.id
    this.#put.run(level * LEVEL_SHIFT + index, hash);
  }
}
