/**
 * The store's reads for quarantine (SPEC §6): the review queue and its figures,
 * over the partial indexes of migration 0002, and the one per-assertion read of
 * the flood rule. Writes need nothing here: a quarantine decision is the status
 * of an assertion row, and a review is a status change (`AssertionTable.setStatus`).
 *
 * Status codes as stored: 2 quarantined (pending review), 3 released, 4
 * rejected. `reasons` is the comma-separated list the policy recorded; it stays
 * on the row after review, so "was ever quarantined" = `reasons IS NOT NULL`.
 * Agent and concept filters are matched by interned id (schema v2): a name
 * never stored matches nothing.
 */
import type { Database, Statement } from "bun:sqlite";
import type { KeyInterner } from "./key-interner.ts";
import { STORED_COLUMNS, type StoredAssertion, type StoredRow, withValue } from "./stored-row.ts";

const PENDING = 2;

// Index order of (agent, concept, predicate) is seq order (the rowid ends every entry): no sort.
const RECEIVED_SQL = `SELECT received_at FROM assertions INDEXED BY assertions_by_agent
  WHERE agent = ? AND concept = ? AND predicate = ? ORDER BY seq DESC`;

/** What a review listing selects. `status` undefined = every flagged row (2, 3 and 4). */
export interface QuarantineFilter {
  status?: 2 | 3 | 4;
  agent?: string;
  /** Exact concept path. */
  concept?: string;
  /** One reason code: rows whose reasons include it. */
  reason?: string;
}

type Bindings = Record<string, string | number>;

/** Adds each reason of a comma-separated list to `into`, `n` times. */
function addReasons(into: Map<string, number>, reasons: string | null, n: number): void {
  if (reasons === null || reasons === "") return;
  for (const r of reasons.split(",")) into.set(r, (into.get(r) ?? 0) + n);
}

export class QuarantineTable {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement<unknown, [Bindings]>>();
  readonly #pending: Statement<{ n: number }, []>;
  readonly #pendingByReasons: Statement<{ reasons: string | null; n: number }, []>;
  readonly #flaggedAfter: Statement<{ seq: number; reasons: string | null }, [number, number]>;
  readonly #received: Statement<{ received_at: number }, [number, number, number]>;
  readonly #keys: KeyInterner;

  constructor(db: Database, keys: KeyInterner) {
    this.#db = db;
    this.#keys = keys;
    this.#pending = db.query(
      "SELECT count(*) AS n FROM assertions INDEXED BY assertions_quarantined WHERE status = 2",
    );
    this.#pendingByReasons = db.query(
      `SELECT reasons, count(*) AS n FROM assertions INDEXED BY assertions_quarantined
       WHERE status = 2 GROUP BY reasons`,
    );
    this.#flaggedAfter = db.query(
      `SELECT seq, reasons FROM assertions INDEXED BY assertions_flagged
       WHERE reasons IS NOT NULL AND seq > ? ORDER BY seq LIMIT ?`,
    );
    this.#received = db.query(RECEIVED_SQL);
  }

  /** Assertions awaiting review (status 2). Counts the partial index: O(pending), not O(table). */
  pendingCount(): number {
    return this.#pending.get()?.n ?? 0;
  }

  /** Pending assertions per reason; one with two reasons counts under both. */
  pendingByReason(): Map<string, number> {
    const out = new Map<string, number>();
    for (const row of this.#pendingByReasons.all()) addReasons(out, row.reasons, row.n);
    return out;
  }

  /**
   * Quarantine decisions recorded after `afterSeq`, per reason, and the last
   * seq read: a caller keeping a running total reads only what is new. Reads at
   * most `max` rows per call (the returned `lastSeq` says where to go on).
   */
  flaggedAfter(
    afterSeq: number,
    max = 100_000,
  ): { lastSeq: number; byReason: Map<string, number> } {
    const byReason = new Map<string, number>();
    let lastSeq = afterSeq;
    for (const row of this.#flaggedAfter.all(afterSeq, max)) {
      addReasons(byReason, row.reasons, 1);
      lastSeq = row.seq;
    }
    return { lastSeq, byReason };
  }

  /**
   * `received_at` of one agent's assertions on one key, newest (greatest seq)
   * first, straight from the agent index: the caller stops reading as soon as
   * it has seen enough (the flood rule's sliding window).
   */
  receivedTimes(agent: string, concept: string, predicate: string): IterableIterator<number> {
    const a = this.#keys.agents.id(agent);
    const c = this.#keys.concepts.id(concept);
    const p = this.#keys.predicates.id(predicate);
    if (a === undefined || c === undefined || p === undefined) return [][Symbol.iterator]();
    const rows = this.#received.iterate(a, c, p);
    return (function* () {
      for (const row of rows) yield row.received_at;
    })();
  }

  /** At most `limit` rows matching `filter` with seq > `afterSeq`, in seq order. */
  list(filter: QuarantineFilter, afterSeq: number, limit: number): StoredAssertion[] {
    const found = this.#whereOf(filter);
    if (found === undefined) return [];
    const { where, params } = found;
    params.after = afterSeq;
    params.limit = limit;
    const sql = `SELECT ${STORED_COLUMNS} FROM assertions AS a INDEXED BY ${indexOf(filter)}
      WHERE ${where} AND a.seq > $after ORDER BY a.seq LIMIT $limit`;
    return (this.#statement(sql).all(params) as StoredRow[]).map(withValue);
  }

  /** How many rows match `filter` (all pages). */
  count(filter: QuarantineFilter): number {
    const found = this.#whereOf(filter);
    if (found === undefined) return 0;
    const { where, params } = found;
    const sql = `SELECT count(*) AS n FROM assertions AS a INDEXED BY ${indexOf(filter)} WHERE ${where}`;
    return (this.#statement(sql).get(params) as { n: number } | null)?.n ?? 0;
  }

  /** EXPLAIN QUERY PLAN of `receivedTimes`, for tests. */
  receivedTimesPlan(): string[] {
    return this.#db
      .query<{ detail: string }, [number, number, number]>(`EXPLAIN QUERY PLAN ${RECEIVED_SQL}`)
      .all(1, 1, 1)
      .map((r) => r.detail);
  }

  /** EXPLAIN QUERY PLAN of a listing, for tests. */
  plan(filter: QuarantineFilter): string[] {
    const { where, params } = this.#whereOf(filter) ?? whereOf(filter, { agent: 0, concept: 0 });
    params.after = 0;
    params.limit = 1;
    return this.#db
      .query<{ detail: string }, [Bindings]>(
        `EXPLAIN QUERY PLAN SELECT ${STORED_COLUMNS} FROM assertions AS a
         INDEXED BY ${indexOf(filter)}
         WHERE ${where} AND a.seq > $after ORDER BY a.seq LIMIT $limit`,
      )
      .all(params)
      .map((r) => r.detail);
  }

  /** The filter's WHERE with agent and concept as ids; undefined if one was never stored. */
  #whereOf(f: QuarantineFilter): { where: string; params: Bindings } | undefined {
    const agent = f.agent === undefined ? 0 : this.#keys.agents.id(f.agent);
    const concept = f.concept === undefined ? 0 : this.#keys.concepts.id(f.concept);
    if (agent === undefined || concept === undefined) return undefined;
    return whereOf(f, { agent, concept });
  }

  // The SQL text depends only on which filters are present, so it is the cache key.
  #statement(sql: string): Statement<unknown, [Bindings]> {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare<unknown, [Bindings]>(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }
}

/** The pending queue reads its own small index; audit listings read every flagged row's. */
const indexOf = (f: QuarantineFilter): string =>
  f.status === PENDING ? "assertions_quarantined" : "assertions_flagged";

function whereOf(
  f: QuarantineFilter,
  ids: { agent: number; concept: number },
): { where: string; params: Bindings } {
  // Each partial index is usable only when the WHERE clause repeats its condition.
  const where = [f.status === PENDING ? "a.status = 2" : "a.reasons IS NOT NULL"];
  const params: Bindings = {};
  if (f.status !== undefined && f.status !== PENDING) {
    where.push("a.status = $status");
    params.status = f.status;
  }
  if (f.agent !== undefined) {
    where.push("a.agent = $agent");
    params.agent = ids.agent;
  }
  if (f.concept !== undefined) {
    where.push("a.concept = $concept");
    params.concept = ids.concept;
  }
  if (f.reason !== undefined) {
    // Whole list items only: `flood` must not match a future `flood_x`.
    where.push("instr(',' || a.reasons || ',', $reason) > 0");
    params.reason = `,${f.reason},`;
  }
  return { where: where.join(" AND "), params };
}
