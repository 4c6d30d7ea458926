/**
 * The SQLite state as one object: the database, its tables and the Merkle node
 * store, with a transaction helper. Owned by the engine; nothing above the
 * engine sees it except through the engine's and the lens's narrow interfaces.
 */
import type { Database } from "bun:sqlite";
import { AgentTable } from "./agent-table.ts";
import { AssertionTable } from "./assertion-table.ts";
import { MetaTable } from "./meta-table.ts";
import { openDatabase } from "./open-database.ts";
import { QuarantineTable } from "./quarantine-table.ts";
import { QueryStore } from "./query-store.ts";
import { SqliteNodeStore } from "./sqlite-node-store.ts";

export class State {
  readonly db: Database;
  readonly assertions: AssertionTable;
  readonly agents: AgentTable;
  readonly meta: MetaTable;
  readonly nodes: SqliteNodeStore;
  readonly query: QueryStore;
  readonly quarantine: QuarantineTable;

  constructor(db: Database) {
    this.db = db;
    this.assertions = new AssertionTable(db);
    this.agents = new AgentTable(db);
    this.meta = new MetaTable(db);
    this.nodes = new SqliteNodeStore(db);
    this.query = new QueryStore(db);
    this.quarantine = new QuarantineTable(db);
  }

  static open(path: string): State {
    return new State(openDatabase(path));
  }

  /** Runs `fn` in one IMMEDIATE transaction; rolls back if it throws. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Makes every applied row durable in the main database file (before log retention). */
  checkpoint(): void {
    this.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  close(): void {
    this.db.close();
  }
}
