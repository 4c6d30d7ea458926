/**
 * Reads and writes of the `assertions` table through prepared statements. Rows
 * are content-addressed (unique id) and numbered by seq. Callers outside
 * src/store see `StoredAssertion`, never SQL.
 */
import type { Database, Statement } from "bun:sqlite";
import { reverseConcept } from "./concept-path.ts";
import { IdFilter } from "./id-filter.ts";

/** One stored assertion as the store knows it. `value` is its canonical JSON text. */
export interface StoredAssertion {
  seq: number;
  id: Uint8Array;
  concept: string;
  predicate: string;
  agent: string;
  value: string;
  confidence: number | null;
  ts: number;
  retracts: Uint8Array | null;
  status: number;
  reasons: string | null;
  received_at: number;
  canonical: Uint8Array;
  sig: Uint8Array;
}

export type NewAssertionRow = Omit<StoredAssertion, "reasons"> & { reasons: string[] };

const COLUMNS =
  "seq, id, concept, predicate, agent, value, confidence, ts, retracts, status, reasons, received_at, canonical, sig";

export class AssertionTable {
  readonly #insert: Statement;
  readonly #byId: Statement<StoredAssertion, [Uint8Array]>;
  readonly #bySeq: Statement<StoredAssertion, [number]>;
  readonly #seqById: Statement<{ seq: number; status: number }, [Uint8Array]>;
  readonly #setStatus: Statement<unknown, [number, Uint8Array]>;
  readonly #history: Statement<StoredAssertion, [string, string, number, number]>;
  readonly #count: Statement<{ n: number }, []>;
  readonly #ids: Statement<{ id: Uint8Array }, []>;
  /** Loaded on first use, so a read-only connection (reader thread) never scans the ids. */
  #filter: IdFilter | undefined;

  constructor(db: Database) {
    this.#insert = db.query(
      `INSERT INTO assertions (seq, id, concept, concept_rev, predicate, agent, value, confidence, ts,
         retracts, status, reasons, received_at, canonical, sig)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#byId = db.query(`SELECT ${COLUMNS} FROM assertions WHERE id = ?`);
    this.#bySeq = db.query(`SELECT ${COLUMNS} FROM assertions WHERE seq = ?`);
    this.#seqById = db.query("SELECT seq, status FROM assertions WHERE id = ?");
    this.#setStatus = db.query("UPDATE assertions SET status = ? WHERE id = ?");
    this.#history = db.query(
      `SELECT ${COLUMNS} FROM assertions INDEXED BY assertions_by_concept
       WHERE concept = ? AND predicate = ? AND seq > ? ORDER BY seq LIMIT ?`,
    );
    this.#count = db.query("SELECT count(*) AS n FROM assertions");
    this.#ids = db.query("SELECT id FROM assertions");
  }

  get #idFilter(): IdFilter {
    this.#filter ??= this.#loadFilter(2 * this.count());
    return this.#filter;
  }

  #loadFilter(capacity: number): IdFilter {
    const filter = new IdFilter(capacity);
    for (const row of this.#ids.iterate()) filter.add(row.id);
    return filter;
  }

  insert(r: NewAssertionRow): void {
    let filter = this.#idFilter;
    if (filter.full) filter = this.#filter = this.#loadFilter(2 * filter.capacity);
    filter.add(r.id);
    this.#insert.run(
      r.seq,
      r.id,
      r.concept,
      reverseConcept(r.concept),
      r.predicate,
      r.agent,
      r.value,
      r.confidence,
      r.ts,
      r.retracts,
      r.status,
      r.reasons.length === 0 ? null : r.reasons.join(","),
      r.received_at,
      r.canonical,
      r.sig,
    );
  }

  byId(id: Uint8Array): StoredAssertion | undefined {
    return this.#byId.get(id) ?? undefined;
  }

  bySeq(seq: number): StoredAssertion | undefined {
    return this.#bySeq.get(seq) ?? undefined;
  }

  /** Cheap existence check for duplicate detection. */
  seqOf(id: Uint8Array): { seq: number; status: number } | undefined {
    if (!this.#idFilter.mightContain(id)) return undefined;
    return this.#seqById.get(id) ?? undefined;
  }

  setStatus(id: Uint8Array, status: number): void {
    this.#setStatus.run(status, id);
  }

  /** Every assertion for one key in seq order, after `afterSeq`, at most `limit`. */
  history(concept: string, predicate: string, afterSeq: number, limit: number): StoredAssertion[] {
    return this.#history.all(concept, predicate, afterSeq, limit);
  }

  count(): number {
    return this.#count.get()?.n ?? 0;
  }
}
