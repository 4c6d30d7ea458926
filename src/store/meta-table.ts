/**
 * Integer facts about the state kept beside the rows, in the same transactions:
 * above all `last_lsn`, the last log record applied, so recovery replays only
 * the log's unapplied tail (SPEC §5), and `tree_size`.
 */
import type { Database, Statement } from "bun:sqlite";

/**
 * `free_space_dirty`: 1 while pages may keep old cells written before
 * `secure_delete` was always on (migration 0006); the redaction scrubber
 * VACUUMs once and clears it.
 */
export type MetaKey = "last_lsn" | "tree_size" | "free_space_dirty";

export class MetaTable {
  readonly #get: Statement<{ value: number }, [string]>;
  readonly #set: Statement<unknown, [string, number]>;

  constructor(db: Database) {
    this.#get = db.query("SELECT value FROM meta WHERE key = ?");
    this.#set = db.query("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  }

  get(key: MetaKey): number {
    return this.#get.get(key)?.value ?? 0;
  }

  set(key: MetaKey, value: number): void {
    this.#set.run(key, value);
  }
}
