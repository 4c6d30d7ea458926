/**
 * The agent registry (SPEC §3, §6, §12): name, trust (0–1), allowed and role
 * (`agent`, or `operator`: may write `_stemedb/` concepts) per agent key.
 * Updates merge the fields given; the registry has no history in v1.
 *
 * The whole registry is also held in memory, loaded once and kept in step by
 * `merge` (its only writer, the apply path): it is admin-managed and small,
 * and it is read for every assertion (agent policy, quarantine rules, trust
 * lens), where a SQLite read would cost more than the rest of the check. Should
 * the transaction around a `merge` roll back, the engine stops taking writes
 * until a restart, which reloads it.
 */
import type { Database, Statement } from "bun:sqlite";

export interface AgentEntry {
  agent: string;
  name: string | null;
  trust: number | null;
  allowed: boolean;
  role: AgentRole;
  updated_at: number;
}

/** SPEC §12: operators may write `_stemedb/` concepts (redactions); agents may not. */
export type AgentRole = "agent" | "operator";
export const AGENT_ROLES: readonly AgentRole[] = ["agent", "operator"];

export interface AgentRow extends Omit<AgentEntry, "allowed"> {
  allowed: number;
}

export interface AgentUpdate {
  agent: string;
  name?: string | null;
  trust?: number | null;
  allowed?: boolean;
  role?: AgentRole;
  at: number;
}

/** A row of `agents` as an entry (SQLite has no boolean). */
export const toEntry = (r: AgentRow): AgentEntry => ({
  ...r,
  allowed: r.allowed === 1,
  role: r.role === "operator" ? "operator" : "agent",
});

/** The registry columns, in `AgentRow` order. */
export const AGENT_COLUMNS = "agent, name, trust, allowed, role, updated_at";

export class AgentTable {
  readonly #list: Statement<AgentRow, [string, number]>;
  readonly #upsert: Statement;
  readonly #entries = new Map<string, AgentEntry>();
  #version = 0;

  constructor(db: Database) {
    this.#list = db.query(
      `SELECT ${AGENT_COLUMNS} FROM agents WHERE agent > ? ORDER BY agent LIMIT ?`,
    );
    this.#upsert = db.query(
      `INSERT OR REPLACE INTO agents (${AGENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    for (const row of db.query<AgentRow, []>(`SELECT ${AGENT_COLUMNS} FROM agents`).iterate()) {
      this.#entries.set(row.agent, toEntry(row));
    }
  }

  get(agent: string): AgentEntry | undefined {
    return this.#entries.get(agent);
  }

  /** Every entry, in no particular order (from memory). */
  entries(): IterableIterator<AgentEntry> {
    return this.#entries.values();
  }

  /** Changes whenever an entry does: callers caching something derived from the registry compare it. */
  get version(): number {
    return this.#version;
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
      role: u.role ?? old?.role ?? "agent",
      updated_at: u.at,
    };
    this.#upsert.run(
      next.agent,
      next.name,
      next.trust,
      next.allowed ? 1 : 0,
      next.role,
      next.updated_at,
    );
    this.#entries.set(next.agent, next);
    this.#version++;
    return next;
  }
}
