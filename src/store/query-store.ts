/**
 * The SQL behind the lenses (SPEC §4), and the only place it lives. Two reads:
 * `byKey` streams the visible assertions of every matching key (concept,
 * predicate) in index order, one key at a time, for the per-key lenses; and
 * `newestFirst` pages visible assertions by (ts, seq) descending for `all`.
 *
 * Every match kind is a search on a named index, forced with `INDEXED BY` so
 * the plan never depends on ANALYZE statistics (SPEC §11: left to itself,
 * SQLite picked the predicate index for tail queries and ran them at 75 q/s):
 *
 * | filters                         | index                      | key order               |
 * |---------------------------------|----------------------------|-------------------------|
 * | concept exact (± pred., agent)  | assertions_by_concept      | concept, predicate      |
 * | concept prefix                  | assertions_by_concept      | concept, predicate      |
 * | concept prefix + predicate      | by_concept, by_predicate   | concept                 |
 * | concept tail (± pred., agent)   | assertions_by_concept_rev  | concept_rev, predicate  |
 * | agent (± predicate)             | assertions_by_agent        | concept, predicate      |
 * | predicate only                  | assertions_by_predicate    | concept                 |
 *
 * Prefix `q` is the part `concept = q` followed by the range (`q/`, `q0`); tail
 * runs the same over the reversed-segment key. Two parts, never one range from
 * `q`, because `-` and `.` sort before `/`: [`acme`, `acme0`) also holds
 * `acme-corp/x`; the two run as one UNION ALL statement. Keys come in index
 * order, so a page resumes with an index seek after the cursor key and reads
 * only the rows of the keys it returns. `all` orders by (ts, seq), which no
 * index holds: each page sorts the matching rows after its cursor (a temp
 * B-tree over the index search, never over the table).
 *
 * Visible (SPEC §4): status accepted (1) or released (3), seq ≤ as_of, not a
 * retraction, confidence (missing = 1) ≥ min_confidence, and not withdrawn by a
 * visible retraction of seq ≤ as_of (a NOT EXISTS probe of the partial index
 * assertions_by_retracts). Rows come back with the confidence defaulted to 1.
 */
import type { Database, Statement } from "bun:sqlite";
import { reverseConcept } from "./concept-path.ts";

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

/** One index search: its WHERE terms besides visibility, and their bindings. */
interface Search {
  index: string;
  where: string[];
  params: Bindings;
}

/** The searches answering a filter, concatenated in key order. */
interface Scan {
  searches: Search[];
  /** Result columns that give the key order (a compound ORDER BY can name only those). */
  order: "concept, predicate" | "concept_rev, predicate";
  /** At most one key matches: read it whole instead of streaming. */
  oneKey: boolean;
}

const ROW =
  "a.seq, a.id, a.concept, a.predicate, a.agent, a.value, coalesce(a.confidence, 1.0) AS confidence, a.ts, a.status";

const VISIBLE = [
  "a.status IN (1, 3)",
  "a.seq <= $asOf",
  "a.retracts IS NULL",
  "coalesce(a.confidence, 1.0) >= $minConfidence",
  `NOT EXISTS (SELECT 1 FROM assertions AS r INDEXED BY assertions_by_retracts
     WHERE r.retracts = a.id AND r.seq <= $asOf AND r.status IN (1, 3))`,
].join(" AND ");

export class QueryStore {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement<VisibleAssertion, [Bindings]>>();

  /** One per database (`State.query`), so that its prepared statements are reused. */
  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * The visible assertions of every key matching `filter`, one key at a time in
   * index order (see the table above), starting after the key `after`. Stop
   * iterating once enough keys were read: the statement is reset on return.
   */
  *byKey(filter: LensFilter, after?: AssertionKey): Generator<KeyAssertions, void, undefined> {
    const scan = keyedScan(filter, after);
    const stmt = this.#statement(keyedSql(scan, filter));
    const params = bindings(scan.searches, filter);
    let current: KeyAssertions | undefined;
    for (const row of scan.oneKey ? stmt.all(params) : stmt.iterate(params)) {
      const key = current?.key;
      if (key !== undefined && key.concept === row.concept && key.predicate === row.predicate) {
        current?.rows.push(row);
        continue;
      }
      if (current !== undefined) yield current;
      current = {
        key: { concept: row.concept, predicate: row.predicate },
        rows: [row],
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
    const { searches } = keyedScan(filter, undefined);
    const params = bindings(searches, filter);
    params.ts = after?.ts ?? Number.MAX_SAFE_INTEGER;
    params.seq = after?.seq ?? Number.MAX_SAFE_INTEGER;
    params.limit = limit;
    return this.#statement(timedSql(searches, filter)).all(params);
  }

  /** EXPLAIN QUERY PLAN details of every statement a query runs, for tests and diagnosis. */
  plan(filter: LensFilter, read: "byKey" | "newestFirst"): string[] {
    const explain = (sql: string, params: Bindings): string[] =>
      this.#db
        .query<{ detail: string }, [Bindings]>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(params)
        .map((r) => r.detail);
    const scan = keyedScan(filter, undefined);
    const searches = scan.searches;
    if (read === "byKey") return explain(keyedSql(scan, filter), bindings(searches, filter));
    return explain(timedSql(searches, filter), {
      ...bindings(searches, filter),
      ts: 0,
      seq: 0,
      limit: 1,
    });
  }

  #statement(sql: string): Statement<VisibleAssertion, [Bindings]> {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare<VisibleAssertion, [Bindings]>(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }
}

// The SQL text of a search depends only on the filter's shape (which filters
// are present), never on its values, so it doubles as the statement cache key.

function whereSql(search: Search, filter: LensFilter): string {
  const agent =
    filter.agent !== undefined && search.index !== "assertions_by_agent"
      ? ["a.agent = $agent"]
      : [];
  return [...search.where, ...agent, VISIBLE].join(" AND ");
}

/**
 * One statement: the searches in key order. With two (prefix, tail) it is a
 * UNION ALL whose ORDER BY SQLite runs as a merge of the two index-ordered
 * searches (no sort), so a page costs one statement and one read transaction.
 */
function keyedSql(scan: Scan, filter: LensFilter): string {
  const columns = scan.order.startsWith("concept_rev") ? `${ROW}, a.concept_rev` : ROW;
  const selects = scan.searches.map(
    (s) => `SELECT ${columns} FROM assertions AS a INDEXED BY ${s.index}
  WHERE ${whereSql(s, filter)}`,
  );
  return `${selects.join("\nUNION ALL\n")}\nORDER BY ${scan.order}`;
}

/** One statement: each search sorted by (ts, seq) and merged (UNION ALL), then the limit. */
function timedSql(searches: Search[], filter: LensFilter): string {
  const selects = searches.map(
    (s) => `SELECT ${ROW} FROM assertions AS a INDEXED BY ${s.index}
  WHERE ${whereSql(s, filter)} AND (a.ts, a.seq) < ($ts, $seq)`,
  );
  return `${selects.join("\nUNION ALL\n")}\nORDER BY ts DESC, seq DESC LIMIT $limit`;
}

/** The bindings of `searches` (they share names only where they share values) plus visibility's. */
function bindings(searches: Search[], filter: LensFilter): Bindings {
  const params: Bindings = { asOf: filter.asOf, minConfidence: filter.minConfidence };
  if (filter.agent !== undefined) params.agent = filter.agent;
  for (const s of searches) Object.assign(params, s.params);
  return params;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** No concept path is empty, so `= NOTHING` matches no row: how a search the cursor passed is disabled. */
const NOTHING = "";

/** The index searches answering `filter`, in key order, resuming after `after`. */
function keyedScan(filter: LensFilter, after: AssertionKey | undefined): Scan {
  const { concept, predicate, agent } = filter;
  if (concept !== undefined) return conceptScan(filter.match, concept, predicate, after);
  if (agent !== undefined) {
    const search: Search = {
      index: "assertions_by_agent",
      where: ["a.agent = $agent", "(a.concept, a.predicate) > ($afterKey, $afterPredicate)"],
      params: { afterKey: after?.concept ?? "", afterPredicate: after?.predicate ?? "" },
    };
    if (predicate !== undefined) {
      search.where.push("a.predicate = $predicate");
      search.params.predicate = predicate;
    }
    return { searches: [search], order: "concept, predicate", oneKey: false };
  }
  if (predicate !== undefined) {
    // Keys of one predicate: their (concept, predicate) order is concept order.
    const search: Search = {
      index: "assertions_by_predicate",
      where: ["a.predicate = $predicate", "a.concept > $afterKey"],
      params: { predicate, afterKey: after?.concept ?? "" },
    };
    return { searches: [search], order: "concept, predicate", oneKey: false };
  }
  throw new TypeError("a lens filter needs a concept, a predicate or an agent");
}

function conceptScan(
  match: MatchKind,
  concept: string,
  predicate: string | undefined,
  after: AssertionKey | undefined,
): Scan {
  const tail = match === "tail";
  const column = tail ? "a.concept_rev" : "a.concept";
  const index = tail ? "assertions_by_concept_rev" : "assertions_by_concept";
  const order = tail ? "concept_rev, predicate" : "concept, predicate";
  // Everything below compares in the index's own key (the reversed path for tail).
  const q = tail ? reverseConcept(concept) : concept;
  const cursor = after && {
    key: tail ? reverseConcept(after.concept) : after.concept,
    predicate: after.predicate,
  };

  // The concept itself: concept = q (or concept_rev = reversed q).
  let exact: Search;
  if (predicate !== undefined) {
    const passed =
      cursor !== undefined && (compare(cursor.key, q) || compare(cursor.predicate, predicate)) >= 0;
    exact = {
      index,
      where: [`${column} = $q`, "a.predicate = $predicate"],
      params: { q: passed ? NOTHING : q, predicate },
    };
  } else {
    const vsQ = cursor === undefined ? -1 : compare(cursor.key, q);
    exact = {
      index,
      where: [`${column} = $q`, "a.predicate > $qAfterPredicate"],
      params: {
        q: vsQ > 0 ? NOTHING : q,
        qAfterPredicate: vsQ === 0 ? (cursor?.predicate ?? "") : "",
      },
    };
  }
  if (match === "exact") return { searches: [exact], order, oneKey: predicate !== undefined };

  // Strictly below it: the range (q + "/", q + "0"). No valid path equals q + "/",
  // so a strict lower bound at it is the same as an inclusive one.
  const low = `${q}/`;
  const high = `${q}0`;
  const from =
    cursor !== undefined && compare(cursor.key, low) > 0 ? cursor : { key: low, predicate: "" };
  let below: Search;
  if (!tail && predicate !== undefined) {
    // Prefix with a predicate: the predicate's keys are in concept order. A cursor
    // from this query always carries this predicate, so "after" is concept > key.
    below = {
      index: "assertions_by_predicate",
      where: ["a.predicate = $predicate", "a.concept > $afterKey", "a.concept < $high"],
      params: { predicate, afterKey: from.key, high },
    };
  } else {
    below = {
      index,
      where: [`(${column}, a.predicate) > ($afterKey, $afterPredicate)`, `${column} < $high`],
      params: { afterKey: from.key, afterPredicate: from.predicate, high },
    };
    if (predicate !== undefined) {
      below.where.push("a.predicate = $predicate");
      below.params.predicate = predicate;
    }
  }
  return { searches: [exact, below], order, oneKey: false };
}
