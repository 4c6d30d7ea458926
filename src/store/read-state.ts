/**
 * The SQLite state as a reader thread sees it (SPEC §11): its own read-only
 * connection to db/state.sqlite beside the engine's, opened by
 * `State.open(path, { readonly: true })` (no migration: the engine must have
 * opened the state first). WAL mode lets it read while the engine writes; each
 * read transaction sees every transaction committed before it began, so a
 * write acknowledged by the engine (applied, then answered) is visible to the
 * next read here. The key interner looks ids it has not seen up in SQLite, so
 * keys the engine adds later resolve too.
 *
 * Only the read side of the tables is exposed. The agent registry is read from
 * SQLite on every look-up (`AgentReader`), never cached: `AgentTable` keeps an
 * in-memory copy, kept in step by the engine in another thread, which would be
 * stale here.
 */
import type { Database, Statement } from "bun:sqlite";
import type { RedactedTable } from "../redaction/redacted-table.ts";
import { AGENT_COLUMNS, type AgentEntry, type AgentRow, toEntry } from "./agent-table.ts";
import type { AssertionTable } from "./assertion-table.ts";
import type { MetaTable } from "./meta-table.ts";
import type { QueryStore } from "./query-store.ts";
import type { SqliteNodeStore } from "./sqlite-node-store.ts";
import { State } from "./state.ts";

/** Agent look-ups straight from SQLite, for a connection that is not the registry's writer. */
export class AgentReader {
  readonly #get: Statement<AgentRow, [string]>;

  constructor(db: Database) {
    this.#get = db.query(`SELECT ${AGENT_COLUMNS} FROM agents WHERE agent = ?`);
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
  readonly redacted: RedactedTable;

  private constructor(state: State) {
    this.db = state.db;
    this.assertions = state.assertions;
    this.agents = new AgentReader(state.db);
    this.meta = state.meta;
    this.nodes = state.nodes;
    this.query = state.query;
    this.redacted = state.redacted;
  }

  /** Opens an existing, migrated state read-only (see `State.open`). */
  static open(path: string, options: { cacheMiB?: number } = {}): ReadState {
    return new ReadState(State.open(path, { ...options, readonly: true }));
  }

  close(): void {
    this.db.close();
  }
}
