/**
 * The SQL behind the lenses (SPEC §4), and the only place it lives. Two reads:
 * `byKey` streams the visible assertions of every matching key (concept,
 * predicate) in key order, one key at a time, for the per-key lenses; and
 * `newestFirst` pages visible assertions by (ts, seq) descending for `all`.
 *
 * Keys are interned (schema v2): filters are turned into ids first (an unknown
 * predicate, agent or exact concept matches nothing), and every match kind is
 * a search on a named index, forced with `INDEXED BY` and a fixed join order
 * (CROSS JOIN) so the plan never depends on ANALYZE statistics (SPEC §11: left
 * to itself, SQLite picked the predicate index for tail queries, 75 q/s):
 *
 * | filters                         | outer search                       | key order            |
 * |---------------------------------|------------------------------------|----------------------|
 * | concept exact (± pred., agent)  | concepts_by_path, then by_concept  | path, predicate id   |
 * | concept prefix (± …)            | concepts_by_path, then by_concept  | path, predicate id   |
 * | concept tail (± …)              | concepts_by_rev, then by_concept   | concept_rev, pred. id|
 * | agent (± predicate)             | assertions_by_agent                | concept id, pred. id |
 * | predicate only                  | assertions_by_predicate            | concept id           |
 *
 * Concept matches range over the `concepts` table and join each concept's rows
 * through `assertions_by_concept` (concept id, predicate id). Prefix `q` is the
 * part `path = q` followed by the range (`q/`, `q0`); tail runs the same over
 * the reversed-segment key. Two parts, never one range from `q`, because `-`
 * and `.` sort before `/`: [`acme`, `acme0`) also holds `acme-corp/x`; the two
 * run as one UNION ALL statement merged in key order (no sort). Keys come in
 * index order, so a page resumes with an index seek after the cursor key (its
 * names mapped back to ids) and reads only the rows of the keys it returns.
 * `all` orders by (ts, seq), which no index holds: each page sorts the matching
 * rows after its cursor (a temp B-tree over the index search, never the table).
 *
 * Current heads (issue 17): a per-key lens on a concept match for the current
 * tree (`filter.current`) with no `min_confidence` reads `key_heads` (each
 * agent's latest visible assertion per key, kept by the writer: migration
 * 0004) in place of the key's assertion rows — the same searches on the same
 * concept indexes, one clustered range per key, no visibility probes. What it
 * returns is what the lens would keep of the rows anyway (agents' latest).
 * `as_of` in the past, `min_confidence`, agent- or predicate-only filters and
 * `all` read the assertions.
 *
 * Visible (SPEC §4): status accepted (1) or released (3), seq ≤ as_of, not a
 * retraction, confidence (missing = 1) ≥ min_confidence, and not withdrawn by a
 * visible retraction of seq ≤ as_of (a NOT EXISTS probe of the partial index
 * assertions_by_retracts, keyed by the target's seq). Rows come back with the
 * confidence defaulted to 1 and the value sliced from the canonical bytes;
 * predicate and agent ids are named from the interner's in-memory caches,
 * which cost less per row than a SQL look-up (lens-query.ts, 50k rows: tail
 * 8.0k → 10.3k, consensus 4.1k → 6.4k queries per CPU-second).
 */
import type { Database, Statement } from "bun:sqlite";
import { valueFromCanonical } from "../protocol/canonical-value.ts";
import { reverseConcept } from "./concept-path.ts";
import type { KeyInterner } from "./key-interner.ts";
import { nameOf } from "./stored-row.ts";

export type MatchKind = "exact" | "prefix" | "tail";

/** What a query selects; the lens decides what to make of the rows. */
export interface LensFilter {
  concept?: string;
  match: MatchKind;
  predicate?: string;
  agent?: string;
  /** Tree size the answer is as of: only seq ≤ asOf counts, retractions included. */
  asOf: number;
  /** Assertions whose confidence (missing = 1) is below it are dropped; 0 keeps all. */
  minConfidence: number;
  /**
   * `asOf` is the current tree size (nothing newer is stored): per-key reads
   * may then come from the maintained heads (see above).
   */
  current?: boolean;
}

export interface AssertionKey {
  concept: string;
  predicate: string;
}

/** A visible assertion as lenses see it. `value` is canonical JSON text; `confidence` is 1 when absent. */
export interface VisibleAssertion {
  seq: number;
  id: Uint8Array;
  concept: string;
  predicate: string;
  agent: string;
  value: string;
  confidence: number;
  ts: number;
  status: 1 | 3;
}

/** The visible assertions of one key, in no particular order. `last`: no key follows it in this scan. */
export interface KeyAssertions {
  key: AssertionKey;
  rows: VisibleAssertion[];
  last: boolean;
}

/** A position in the (ts, seq) descending order of the `all` lens. */
export interface TimePosition {
  ts: number;
  seq: number;
}

type Bindings = Record<string, string | number>;

/** What a search selects, from which tables. */
interface From {
  columns: string;
  tables: string;
}

/** One index search: its FROM, WHERE terms besides visibility, bindings. */
interface Search {
  from: From;
  where: string[];
  params: Bindings;
  /** Reads `key_heads`: its rows are visible by construction. */
  heads?: boolean;
}

/** The searches answering a filter, concatenated in key order. */
interface Scan {
  searches: Search[];
  /** Result columns that give the key order (a compound ORDER BY can name only those). */
  order: "concept, pid" | "concept_rev, pid" | "cid, pid";
  /** At most one key matches: read it whole instead of streaming. */
  oneKey: boolean;
}

/** A filter's names as interned ids; `none`: a name that was never stored, so nothing matches. */
interface Ids {
  predicate?: number;
  agent?: number;
  none: boolean;
}

/** A row as selected: predicate and agent as ids, named from the interner's caches. */
interface Row extends Omit<VisibleAssertion, "value" | "predicate" | "agent"> {
  /** A head's inline value; absent or null: sliced from `canonical`. */
  value?: string | null;
  canonical: Uint8Array;
  cid: number;
  pid: number;
  aid: number;
}

const COLUMNS = `a.seq, a.id, a.canonical, coalesce(a.confidence, 1.0) AS confidence, a.ts,
  a.status, a.concept AS cid, a.predicate AS pid, a.agent AS aid`;

/** Concepts first (a range or point on `index`), then each concept's rows (CROSS JOIN: in that order). */
const conceptsFirst = (index: string): From => ({
  columns: `${COLUMNS}, c.path AS concept, c.concept_rev`,
  tables: `concepts AS c INDEXED BY ${index}
  CROSS JOIN assertions AS a INDEXED BY assertions_by_concept ON a.concept = c.id`,
});

/** Concepts first, then each concept's agents' heads (`key_heads`, in key order). */
const headsFirst = (index: string): From => ({
  columns: `a.seq, a.id, a.value,
  CASE WHEN a.value IS NULL THEN (SELECT canonical FROM assertions WHERE seq = a.seq) END AS canonical,
  coalesce(a.confidence, 1.0) AS confidence, a.ts, a.status, a.concept AS cid,
  a.predicate AS pid, a.agent AS aid, c.path AS concept, c.concept_rev`,
  tables: `concepts AS c INDEXED BY ${index}
  CROSS JOIN key_heads AS a ON a.concept = c.id`,
});

/** Assertion rows first, from `index`. */
const rowsFirst = (index: string): From => ({
  columns: `${COLUMNS}, ${nameOf.concept} AS concept`,
  tables: `assertions AS a INDEXED BY ${index}`,
});

const VISIBLE = [
  "a.status IN (1, 3)",
  "a.seq <= $asOf",
  "a.retracts IS NULL",
  "coalesce(a.confidence, 1.0) >= $minConfidence",
  `NOT EXISTS (SELECT 1 FROM assertions AS r INDEXED BY assertions_by_retracts
     WHERE r.retracts = a.seq AND r.seq <= $asOf AND r.status IN (1, 3))`,
].join(" AND ");

/** An id no key has: where a cursor names a key never stored, it resumes after every id. */
const PAST_ALL = Number.MAX_SAFE_INTEGER;

export class QueryStore {
  readonly #db: Database;
  readonly #keys: KeyInterner;
  readonly #statements = new Map<string, Statement<Row, [Bindings]>>();

  /** One per database (`State.query`), so that its prepared statements are reused. */
  constructor(db: Database, keys: KeyInterner) {
    this.#db = db;
    this.#keys = keys;
  }

  /**
   * The visible assertions of every key matching `filter`, one key at a time in
   * key order (see the table above), starting after the key `after`. Stop
   * iterating once enough keys were read: the statement is reset on return.
   */
  *byKey(filter: LensFilter, after?: AssertionKey): Generator<KeyAssertions, void, undefined> {
    const ids = this.#ids(filter);
    if (ids.none) return;
    const scan = this.#scan(filter, ids, after, true);
    const stmt = this.#statement(keyedSql(scan));
    const params = bindings(scan.searches, filter, ids);
    let current: KeyAssertions | undefined;
    let cid = -1;
    let pid = -1;
    for (const row of scan.oneKey ? stmt.all(params) : stmt.iterate(params)) {
      if (current !== undefined && row.cid === cid && row.pid === pid) {
        current.rows.push(this.#visible(row));
        continue;
      }
      if (current !== undefined) yield current;
      cid = row.cid;
      pid = row.pid;
      const first = this.#visible(row);
      current = {
        key: { concept: first.concept, predicate: first.predicate },
        rows: [first],
        last: false,
      };
    }
    if (current !== undefined) {
      current.last = true;
      yield current;
    }
  }

  /** At most `limit` visible assertions matching `filter`, by ts then seq descending, after `after`. */
  newestFirst(
    filter: LensFilter,
    after: TimePosition | undefined,
    limit: number,
  ): VisibleAssertion[] {
    const ids = this.#ids(filter);
    if (ids.none) return [];
    const { searches } = this.#scan(filter, ids, undefined);
    const params = bindings(searches, filter, ids);
    params.ts = after?.ts ?? Number.MAX_SAFE_INTEGER;
    params.seq = after?.seq ?? Number.MAX_SAFE_INTEGER;
    params.limit = limit;
    return this.#statement(timedSql(searches))
      .all(params)
      .map((r) => this.#visible(r));
  }

  /** EXPLAIN QUERY PLAN details of every statement a query runs, for tests and diagnosis. */
  plan(filter: LensFilter, read: "byKey" | "newestFirst"): string[] {
    const explain = (sql: string, params: Bindings): string[] =>
      this.#db
        .query<{ detail: string }, [Bindings]>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(params)
        .map((r) => r.detail);
    const found = this.#ids(filter);
    // A name never stored still gets a plan: explained with an id no key has.
    const ids: Ids = {
      none: false,
      ...(filter.predicate === undefined ? {} : { predicate: found.predicate ?? 0 }),
      ...(filter.agent === undefined ? {} : { agent: found.agent ?? 0 }),
    };
    const scan = this.#scan(filter, ids, undefined, read === "byKey");
    const params = bindings(scan.searches, filter, ids);
    if (read === "byKey") return explain(keyedSql(scan), params);
    return explain(timedSql(scan.searches), { ...params, ts: 0, seq: 0, limit: 1 });
  }

  #visible(r: Row): VisibleAssertion {
    return {
      seq: r.seq,
      id: r.id,
      concept: r.concept,
      predicate: this.#keys.predicates.name(r.pid),
      agent: this.#keys.agents.name(r.aid),
      value: r.value ?? valueFromCanonical(r.canonical),
      confidence: r.confidence,
      ts: r.ts,
      status: r.status,
    };
  }

  #ids(filter: LensFilter): Ids {
    const ids: Ids = { none: false };
    if (filter.predicate !== undefined) {
      ids.predicate = this.#keys.predicates.id(filter.predicate);
      if (ids.predicate === undefined) ids.none = true;
    }
    if (filter.agent !== undefined) {
      ids.agent = this.#keys.agents.id(filter.agent);
      if (ids.agent === undefined) ids.none = true;
    }
    return ids;
  }

  /** The index searches answering `filter`, in key order, resuming after `after`. */
  #scan(filter: LensFilter, ids: Ids, after: AssertionKey | undefined, keyed = false): Scan {
    const { concept, predicate, agent } = filter;
    const pidOf = (name: string) => this.#keys.predicates.id(name) ?? PAST_ALL;
    if (concept !== undefined) {
      const cursor = after && { ...after, pid: pidOf(after.predicate) };
      const heads = filter.current === true && filter.minConfidence === 0 && keyed;
      const scan = conceptScan(filter.match, concept, ids.predicate, cursor, heads);
      if (agent !== undefined) for (const s of scan.searches) s.where.push("a.agent = $agent");
      return scan;
    }
    const afterCid = after === undefined ? 0 : (this.#keys.concepts.id(after.concept) ?? PAST_ALL);
    if (agent !== undefined) {
      const search: Search = {
        from: rowsFirst("assertions_by_agent"),
        where: ["a.agent = $agent", "(a.concept, a.predicate) > ($afterCid, $afterPid)"],
        params: { afterCid, afterPid: after === undefined ? 0 : pidOf(after.predicate) },
      };
      if (predicate !== undefined) search.where.push("a.predicate = $predicate");
      return { searches: [search], order: "cid, pid", oneKey: false };
    }
    if (predicate !== undefined) {
      // Keys of one predicate: their (concept, predicate) order is concept id order.
      const search: Search = {
        from: rowsFirst("assertions_by_predicate"),
        where: ["a.predicate = $predicate", "a.concept > $afterCid"],
        params: { afterCid },
      };
      return { searches: [search], order: "cid, pid", oneKey: false };
    }
    throw new TypeError("a lens filter needs a concept, a predicate or an agent");
  }

  #statement(sql: string): Statement<Row, [Bindings]> {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare<Row, [Bindings]>(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }
}

// The SQL text of a search depends only on the filter's shape (which filters
// are present), never on its values, so it doubles as the statement cache key.

function whereSql(search: Search): string {
  return (search.heads ? search.where : [...search.where, VISIBLE]).join(" AND ");
}

/**
 * One statement: the searches in key order. With two (prefix, tail) it is a
 * UNION ALL whose ORDER BY SQLite runs as a merge of the two index-ordered
 * searches (no sort), so a page costs one statement and one read transaction.
 */
function keyedSql(scan: Scan): string {
  const selects = scan.searches.map(
    (s) => `SELECT ${s.from.columns} FROM ${s.from.tables}
  WHERE ${whereSql(s)}`,
  );
  return `${selects.join("\nUNION ALL\n")}\nORDER BY ${scan.order}`;
}

/** One statement: each search sorted by (ts, seq) and merged (UNION ALL), then the limit. */
function timedSql(searches: Search[]): string {
  const selects = searches.map(
    (s) => `SELECT ${s.from.columns} FROM ${s.from.tables}
  WHERE ${whereSql(s)} AND (a.ts, a.seq) < ($ts, $seq)`,
  );
  return `${selects.join("\nUNION ALL\n")}\nORDER BY ts DESC, seq DESC LIMIT $limit`;
}

/** The bindings of `searches` (they share names only where they share values) plus filters'. */
function bindings(searches: Search[], filter: LensFilter, ids: Ids): Bindings {
  const params: Bindings = { asOf: filter.asOf, minConfidence: filter.minConfidence };
  if (ids.agent !== undefined) params.agent = ids.agent;
  if (ids.predicate !== undefined) params.predicate = ids.predicate;
  for (const s of searches) Object.assign(params, s.params);
  return params;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** No concept path is empty, so `= NOTHING` matches no row: how a search the cursor passed is disabled. */
const NOTHING = "";

/** A concept match: the concept itself, then (prefix, tail) the range below it. */
function conceptScan(
  match: MatchKind,
  concept: string,
  predicate: number | undefined,
  after: (AssertionKey & { pid: number }) | undefined,
  heads: boolean,
): Scan {
  const conceptsThen = heads ? headsFirst : conceptsFirst;
  const tail = match === "tail";
  const column = tail ? "c.concept_rev" : "c.path";
  const index = tail ? "concepts_by_rev" : "concepts_by_path";
  const order = tail ? "concept_rev, pid" : "concept, pid";
  // Everything below compares in the index's own key (the reversed path for tail).
  const q = tail ? reverseConcept(concept) : concept;
  const cursor = after && {
    key: tail ? reverseConcept(after.concept) : after.concept,
    pid: after.pid,
  };

  // The concept itself: path = q (or concept_rev = reversed q).
  const vsQ = cursor === undefined ? -1 : compare(cursor.key, q);
  let exact: Search;
  if (predicate !== undefined) {
    const passed = cursor !== undefined && (vsQ > 0 || (vsQ === 0 && cursor.pid >= predicate));
    exact = {
      from: conceptsThen(index),
      where: [`${column} = $q`, "a.predicate = $predicate"],
      params: { q: passed ? NOTHING : q },
      heads,
    };
  } else {
    exact = {
      from: conceptsThen(index),
      where: [`${column} = $q`, "a.predicate > $qAfterPid"],
      params: { q: vsQ > 0 ? NOTHING : q, qAfterPid: vsQ === 0 ? (cursor?.pid ?? 0) : 0 },
      heads,
    };
  }
  if (match === "exact") return { searches: [exact], order, oneKey: predicate !== undefined };

  // Strictly below it: the range (q + "/", q + "0"). No valid path equals q + "/",
  // so an inclusive lower bound at it is the same as a strict one.
  const low = `${q}/`;
  const high = `${q}0`;
  const from = cursor !== undefined && compare(cursor.key, low) > 0 ? cursor : { key: low, pid: 0 };
  const below: Search = {
    from: conceptsThen(index),
    heads,
    where: [
      `${column} >= $afterKey`,
      `${column} < $high`,
      `(${column} > $afterKey OR a.predicate > $afterPid)`,
    ],
    params: { afterKey: from.key, afterPid: from.pid, high },
  };
  if (predicate !== undefined) below.where.push("a.predicate = $predicate");
  return { searches: [exact, below], order, oneKey: false };
}
