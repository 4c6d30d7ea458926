/**
 * The agent registry (SPEC §3, §6): name, trust (0–1) and allowed per agent key.
 * Updates merge the fields given; the registry has no history in v1.
 */
import type { Database, Statement } from "bun:sqlite";

export interface AgentEntry {
  agent: string;
  name: string | null;
  trust: number | null;
  allowed: boolean;
  updated_at: number;
}

interface AgentRow extends Omit<AgentEntry, "allowed"> {
  allowed: number;
}

export interface AgentUpdate {
  agent: string;
  name?: string | null;
  trust?: number | null;
  allowed?: boolean;
  at: number;
}

const toEntry = (r: AgentRow): AgentEntry => ({ ...r, allowed: r.allowed === 1 });

export class AgentTable {
  readonly #get: Statement<AgentRow, [string]>;
  readonly #list: Statement<AgentRow, [string, number]>;
  readonly #upsert: Statement;

  constructor(db: Database) {
    this.#get = db.query(
      "SELECT agent, name, trust, allowed, updated_at FROM agents WHERE agent = ?",
    );
    this.#list = db.query(
      "SELECT agent, name, trust, allowed, updated_at FROM agents WHERE agent > ? ORDER BY agent LIMIT ?",
    );
    this.#upsert = db.query(
      "INSERT OR REPLACE INTO agents (agent, name, trust, allowed, updated_at) VALUES (?, ?, ?, ?, ?)",
    );
  }

  get(agent: string): AgentEntry | undefined {
    const row = this.#get.get(agent);
    return row === null ? undefined : toEntry(row);
  }

  list(after: string, limit: number): AgentEntry[] {
    return this.#list.all(after, limit).map(toEntry);
  }

  /** Merge the given fields into the entry (creating it). */
  merge(u: AgentUpdate): AgentEntry {
    const old = this.get(u.agent);
    const next: AgentEntry = {
      agent: u.agent,
      name: u.name !== undefined ? u.name : (old?.name ?? null),
      trust: u.trust !== undefined ? u.trust : (old?.trust ?? null),
      allowed: u.allowed ?? old?.allowed ?? true,
      updated_at: u.at,
    };
    this.#upsert.run(next.agent, next.name, next.trust, next.allowed ? 1 : 0, next.updated_at);
    return next;
  }
}
