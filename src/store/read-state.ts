/**
 * The SQLite state as a reader thread sees it (SPEC §11): its own read-only
 * connection to db/state.sqlite beside the engine's. WAL mode lets it read
 * while the engine writes; each read transaction sees every transaction
 * committed before it began, so a write acknowledged by the engine (applied,
 * then answered) is visible to the next read here.
 *
 * Only the read side of the tables: the assertion rows, the lens's query store,
 * the Merkle node store and the meta facts. The agent registry is read from
 * SQLite on every look-up, never cached: the engine's in-memory copy lives in
 * another thread and changes under us.
 */
import { Database, type Statement } from "bun:sqlite";
import { StemeError } from "../errors.ts";
import { type AgentEntry, type AgentRow, toEntry } from "./agent-table.ts";
import { AssertionTable } from "./assertion-table.ts";
import { MetaTable } from "./meta-table.ts";
import { QueryStore } from "./query-store.ts";
import { SqliteNodeStore } from "./sqlite-node-store.ts";

/** Agent look-ups straight from SQLite, for a connection that is not the registry's writer. */
export class AgentReader {
  readonly #get: Statement<AgentRow, [string]>;

  constructor(db: Database) {
    this.#get = db.query(
      "SELECT agent, name, trust, allowed, updated_at FROM agents WHERE agent = ?",
    );
  }

  get(agent: string): AgentEntry | undefined {
    const row = this.#get.get(agent);
    return row === null ? undefined : toEntry(row);
  }
}

export class ReadState {
  readonly db: Database;
  readonly assertions: AssertionTable;
  readonly agents: AgentReader;
  readonly meta: MetaTable;
  readonly nodes: SqliteNodeStore;
  readonly query: QueryStore;

  private constructor(db: Database) {
    this.db = db;
    this.assertions = new AssertionTable(db);
    this.agents = new AgentReader(db);
    this.meta = new MetaTable(db);
    this.nodes = new SqliteNodeStore(db);
    this.query = new QueryStore(db);
  }

  /**
   * Opens an existing, migrated state read-only (the engine must have opened
   * it first: it creates the file and applies migrations).
   */
  static open(path: string): ReadState {
    let db: Database;
    try {
      db = new Database(path, { readonly: true, strict: true });
    } catch (e) {
      throw new StemeError("storage_unavailable", `cannot open SQLite state at ${path}`, {}, e);
    }
    db.run("PRAGMA busy_timeout = 5000");
    db.run("PRAGMA cache_size = -65536"); // 64 MiB page cache, as the engine's
    return new ReadState(db);
  }

  close(): void {
    this.db.close();
  }
}
