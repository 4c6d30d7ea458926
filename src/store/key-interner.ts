/**
 * Interned keys (schema v2, migration 0003): concept paths, predicates and
 * agent keys stored once each and referred to by small integers, so the
 * assertion rows and their indexes carry integers instead of random text.
 *
 * `intern*` (writer only, inside the apply transaction) returns the id, adding
 * the key when it is new: ids are SQLite rowids, handed out in first-seen
 * order, so the same records applied in the same order give the same ids, and
 * a key row commits or rolls back with the assertion rows that use it.
 * `*Id` only looks up (readers too): undefined for a key never stored.
 *
 * Recently used ids are cached in memory. A key row is never deleted or
 * changed, so a cached id stays true — unless the transaction that added it
 * rolls back: `State.transaction` then calls `forget()`.
 */
import type { Database, Statement } from "bun:sqlite";
import { reverseConcept } from "./concept-path.ts";

/** Entries per cache before it is emptied (a bound on memory, not a tuning knob). */
const CACHE_LIMIT = 50_000;

class KeyColumn {
  readonly #db: Database;
  readonly #insertSql: string;
  readonly #find: Statement<{ id: number }, [string]>;
  readonly #findName: Statement<{ key: string }, [number]>;
  readonly #cache = new Map<string, number>();
  readonly #names = new Map<number, string>();
  #insert: Statement<unknown, string[]> | undefined;

  /** `insertSql` takes the key, then `extra(key)`'s values. */
  constructor(
    db: Database,
    table: string,
    column: string,
    insertSql: string,
    readonly extra: (key: string) => string[] = () => [],
  ) {
    this.#db = db;
    this.#insertSql = insertSql;
    this.#find = db.query(
      `SELECT id FROM ${table} INDEXED BY ${table}_by_${column} WHERE ${column} = ?`,
    );
    this.#findName = db.query(`SELECT ${column} AS key FROM ${table} WHERE id = ?`);
  }

  id(key: string): number | undefined {
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const id = this.#find.get(key)?.id;
    if (id !== undefined) this.#remember(key, id);
    return id;
  }

  /** The key of a stored id (read paths turn row ids back into text with it). */
  name(id: number): string {
    let key = this.#names.get(id);
    if (key === undefined) {
      key = this.#findName.get(id)?.key;
      if (key === undefined) throw new Error(`interned id ${id} has no key row`);
      if (this.#names.size >= CACHE_LIMIT) this.#names.clear();
      this.#names.set(id, key);
    }
    return key;
  }

  intern(key: string): number {
    const found = this.id(key);
    if (found !== undefined) return found;
    // Prepared on first use: a read-only connection never prepares an INSERT.
    this.#insert ??= this.#db.query(this.#insertSql);
    const id = Number(this.#insert.run(key, ...this.extra(key)).lastInsertRowid);
    this.#remember(key, id);
    return id;
  }

  #remember(key: string, id: number): void {
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(key, id);
  }

  forget(): void {
    this.#cache.clear();
    this.#names.clear();
  }
}

export class KeyInterner {
  readonly concepts: KeyColumn;
  readonly predicates: KeyColumn;
  readonly agents: KeyColumn;

  constructor(db: Database) {
    this.concepts = new KeyColumn(
      db,
      "concepts",
      "path",
      "INSERT INTO concepts (path, concept_rev) VALUES (?, ?)",
      (path) => [reverseConcept(path)],
    );
    this.predicates = new KeyColumn(
      db,
      "predicates",
      "name",
      "INSERT INTO predicates (name) VALUES (?)",
    );
    this.agents = new KeyColumn(db, "agent_keys", "key", "INSERT INTO agent_keys (key) VALUES (?)");
  }

  /** Drops every cached id: called when a transaction that may have added keys rolls back. */
  forget(): void {
    this.concepts.forget();
    this.predicates.forget();
    this.agents.forget();
  }
}
