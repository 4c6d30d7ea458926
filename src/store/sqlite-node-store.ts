/**
 * The Merkle tree's perfect-subtree hashes in SQLite (SPEC §5). Leaf hashes
 * (level 0) are not stored: they are derived from the assertion id at that seq,
 * which halves the table (a redacted assertion's, SPEC §12, from the id kept in
 * `redacted`). Writes happen inside the apply transaction, so the
 * tree and the rows it covers always commit together.
 *
 * Puts are batched: they wait in memory and `flush` (called by apply before
 * its transaction commits) writes them as multi-row INSERTs, ROWS_PER_INSERT
 * at a time — one statement per 64 nodes instead of one per node. A rolled
 * back transaction drops what waits (`forget`).
 */
import type { Database, Statement } from "bun:sqlite";
import { leafHash } from "../merkle/hash.ts";
import type { MerkleNodeStore } from "../merkle/node-store.ts";

/** merkle_nodes.k of node (level, index) is level * LEVEL_SHIFT + index. */
export const LEVEL_SHIFT = 2 ** 40;

const ROWS_PER_INSERT = 64;
const insertSql = (rows: number) =>
  `INSERT OR REPLACE INTO merkle_nodes (k, hash) VALUES ${Array(rows).fill("(?, ?)").join(", ")}`;

export class SqliteNodeStore implements MerkleNodeStore {
  readonly #db: Database;
  readonly #get: Statement<{ hash: Uint8Array }, [number]>;
  readonly #leaf: Statement<{ id: Uint8Array }, [number]>;
  readonly #redactedLeaf: Statement<{ id: Uint8Array }, [number]>;
  #putOne: Statement<unknown, (number | Uint8Array)[]> | undefined;
  #putMany: Statement<unknown, (number | Uint8Array)[]> | undefined;
  /** Puts not yet written: k, hash, k, hash, … */
  #pending: (number | Uint8Array)[] = [];

  constructor(db: Database) {
    this.#db = db;
    this.#get = db.query("SELECT hash FROM merkle_nodes WHERE k = ?");
    this.#leaf = db.query("SELECT id FROM assertions WHERE seq = ?");
    this.#redactedLeaf = db.query("SELECT id FROM redacted WHERE seq = ?");
  }

  get(level: number, index: number): Uint8Array | undefined {
    if (level === 0) {
      const row = this.#leaf.get(index + 1) ?? this.#redactedLeaf.get(index + 1);
      return row === null ? undefined : leafHash(row.id);
    }
    const k = level * LEVEL_SHIFT + index;
    for (let i = this.#pending.length - 2; i >= 0; i -= 2) {
      if (this.#pending[i] === k) return this.#pending[i + 1] as Uint8Array;
    }
    return this.#get.get(k)?.hash ?? undefined;
  }

  put(level: number, index: number, hash: Uint8Array): void {
    if (level === 0) return; // derived from assertions.id
    this.#pending.push(level * LEVEL_SHIFT + index, hash);
  }

  /** Writes the waiting puts (inside the caller's transaction). */
  flush(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    const per = 2 * ROWS_PER_INSERT;
    let at = 0;
    if (pending.length >= per) {
      this.#putMany ??= this.#db.query(insertSql(ROWS_PER_INSERT));
      for (; at + per <= pending.length; at += per)
        this.#putMany.run(...pending.slice(at, at + per));
    }
    if (at < pending.length) {
      this.#putOne ??= this.#db.query(insertSql(1));
      for (; at < pending.length; at += 2)
        this.#putOne.run(pending[at] as number, pending[at + 1] as Uint8Array);
    }
    this.#pending = [];
  }

  /** Drops the waiting puts (their transaction rolled back). */
  forget(): void {
    this.#pending = [];
  }
}
