/**
 * The SQLite state as one object: the database, its tables and the Merkle node
 * store, with a transaction helper. Owned by the engine; nothing above the
 * engine sees it except through the engine's and the lens's narrow interfaces.
 */
import type { Database } from "bun:sqlite";
import { RedactedTable } from "../redaction/redacted-table.ts";
import { AgentTable } from "./agent-table.ts";
import { AssertionTable } from "./assertion-table.ts";
import { KeyInterner } from "./key-interner.ts";
import { MetaTable } from "./meta-table.ts";
import { type OpenOptions, openDatabase } from "./open-database.ts";
import { QuarantineTable } from "./quarantine-table.ts";
import { QueryStore } from "./query-store.ts";
import { SqliteNodeStore } from "./sqlite-node-store.ts";

export class State {
  readonly db: Database;
  readonly keys: KeyInterner;
  readonly assertions: AssertionTable;
  readonly agents: AgentTable;
  readonly meta: MetaTable;
  readonly nodes: SqliteNodeStore;
  readonly query: QueryStore;
  readonly quarantine: QuarantineTable;
  /** What is left of redacted assertions (SPEC §12). */
  readonly redacted: RedactedTable;

  constructor(db: Database) {
    this.db = db;
    this.keys = new KeyInterner(db);
    this.assertions = new AssertionTable(db, this.keys);
    this.agents = new AgentTable(db);
    this.meta = new MetaTable(db);
    this.nodes = new SqliteNodeStore(db);
    this.query = new QueryStore(db, this.keys);
    this.quarantine = new QuarantineTable(db, this.keys);
    this.redacted = new RedactedTable(db);
  }

  /**
   * Opens (and migrates) the state at `path`. `{ readonly: true }` opens a
   * reader's connection: no writes, no migration (the writer must have run them).
   */
  static open(path: string, options: OpenOptions = {}): State {
    return new State(openDatabase(path, options));
  }

  /** Runs `fn` in one IMMEDIATE transaction; rolls back if it throws. */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      this.keys.forget(); // ids of keys added by the rolled-back transaction are void
      this.nodes.forget(); // so are Merkle nodes still waiting to be written
      throw e;
    }
  }

  /** Makes every applied row durable in the main database file (before log retention). */
  checkpoint(): void {
    this.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  close(): void {
    this.db.close();
  }
}
