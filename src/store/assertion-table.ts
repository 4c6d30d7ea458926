/**
 * Reads and writes of the `assertions` table (schema v2, migration 0003)
 * through prepared statements. Rows are content-addressed (one per id) and
 * numbered by seq; concept, predicate and agent are interned (`KeyInterner`).
 * Callers outside src/store see `StoredAssertion` with its keys as text, never
 * SQL or ids.
 *
 * The id look-up searches `assertions_by_id`, an index of the id's first 8
 * bytes, and compares the full id on a hit. It is cheap enough for every
 * submitted assertion's duplicate check (a few µs, also at 1M rows), so no
 * id set is loaded into memory at open.
 *
 * Every insert and status change also keeps `key_heads` (src/store/key-heads.ts)
 * in step, in the same transaction.
 */
import type { Database, Statement } from "bun:sqlite";
import { StemeError } from "../errors.ts";
import { type HeadKey, KeyHeads } from "./key-heads.ts";
import type { KeyInterner } from "./key-interner.ts";
import { STORED_COLUMNS, type StoredAssertion, type StoredRow, withValue } from "./stored-row.ts";

export type { StoredAssertion } from "./stored-row.ts";

/** What the apply path inserts: keys as text, `value` left to the canonical bytes. */
export type NewAssertionRow = Omit<StoredAssertion, "reasons" | "value"> & { reasons: string[] };

type IdKey = { prefix: Uint8Array; id: Uint8Array };

/** The id look-up's WHERE terms: the index key, then the full id. */
const BY_ID = "substr(a.id, 1, 8) = $prefix AND a.id = $id";
const idKey = (id: Uint8Array): IdKey => ({ prefix: id.subarray(0, 8), id });

export class AssertionTable {
  readonly #keys: KeyInterner;
  readonly #db: Database;
  readonly #byId: Statement<StoredRow, [IdKey]>;
  readonly #bySeq: Statement<StoredRow, [number]>;
  readonly #seqById: Statement<{ seq: number; status: number }, [IdKey]>;
  readonly #history: Statement<StoredRow, [number, number, number, number]>;
  readonly #heads: KeyHeads;
  #insert: Statement | undefined;
  #setStatus: Statement<unknown, [{ status: number } & IdKey]> | undefined;
  #keyOf: Statement<{ cid: number; pid: number; aid: number }, [IdKey]> | undefined;

  constructor(db: Database, keys: KeyInterner) {
    this.#db = db;
    this.#keys = keys;
    this.#heads = new KeyHeads(db);
    const from = (index: string) =>
      `SELECT ${STORED_COLUMNS} FROM assertions AS a INDEXED BY ${index}`;
    this.#byId = db.query(`${from("assertions_by_id")} WHERE ${BY_ID}`);
    this.#bySeq = db.query(`SELECT ${STORED_COLUMNS} FROM assertions AS a WHERE a.seq = ?`);
    this.#seqById = db.query(
      `SELECT a.seq, a.status FROM assertions AS a INDEXED BY assertions_by_id WHERE ${BY_ID}`,
    );
    this.#history = db.query(
      `${from("assertions_by_concept")}
       WHERE a.concept = ? AND a.predicate = ? AND a.seq > ? ORDER BY a.seq LIMIT ?`,
    );
  }

  /** Inserts one row, interning its keys in the caller's transaction (the apply path's). */
  insert(r: NewAssertionRow): void {
    let retracts: number | null = null;
    if (r.retracts !== null) {
      // A retraction recorded before its target was redacted (SPEC §12) still names its seq.
      retracts = this.seqOf(r.retracts)?.seq ?? this.#redactedSeq(r.retracts) ?? null;
      if (retracts === null) {
        throw new StemeError(
          "corrupt_segment",
          `assertion seq ${r.seq} retracts an id that is not recorded`,
          { seq: r.seq },
        );
      }
    }
    this.#insert ??= this.#db.query(
      `INSERT INTO assertions (seq, id, concept, predicate, agent, confidence, ts, retracts,
         status, reasons, received_at, canonical, sig)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const cid = this.#keys.concepts.intern(r.concept);
    const pid = this.#keys.predicates.intern(r.predicate);
    const aid = this.#keys.agents.intern(r.agent);
    this.#insert.run(
      r.seq,
      r.id,
      cid,
      pid,
      aid,
      r.confidence,
      r.ts,
      retracts,
      r.status,
      r.reasons.length === 0 ? null : r.reasons.join(","),
      r.received_at,
      r.canonical,
      r.sig,
    );
    this.#heads.inserted({ ...r, cid, pid, aid, retracts });
  }

  #redactedSeq(id: Uint8Array): number | undefined {
    return (
      this.#db.query<{ seq: number }, [Uint8Array]>("SELECT seq FROM redacted WHERE id = ?").get(id)
        ?.seq ?? undefined
    );
  }

  byId(id: Uint8Array): StoredAssertion | undefined {
    const row = this.#byId.get(idKey(id));
    return row === null ? undefined : withValue(row);
  }

  bySeq(seq: number): StoredAssertion | undefined {
    const row = this.#bySeq.get(seq);
    return row === null ? undefined : withValue(row);
  }

  /** Cheap existence check for duplicate detection. */
  seqOf(id: Uint8Array): { seq: number; status: number } | undefined {
    return this.#seqById.get(idKey(id)) ?? undefined;
  }

  setStatus(id: Uint8Array, status: number): void {
    this.#setStatus ??= this.#db.query(
      `UPDATE assertions AS a INDEXED BY assertions_by_id SET status = $status WHERE ${BY_ID}`,
    );
    this.#setStatus.run({ status, ...idKey(id) });
    this.#keyOf ??= this.#db.query(
      `SELECT a.concept AS cid, a.predicate AS pid, a.agent AS aid
       FROM assertions AS a INDEXED BY assertions_by_id WHERE ${BY_ID}`,
    );
    const key = this.#keyOf.get(idKey(id));
    if (key !== null) this.#heads.recompute(key); // a release or reject moves at most this head
  }

  /**
   * After an assertion of `key` was removed (a redaction, SPEC §12): its head
   * is recomputed from the rows that remain, so no copy of the value stays.
   */
  removed(key: HeadKey): void {
    this.#heads.recompute(key);
  }

  /** Every assertion for one key in seq order, after `afterSeq`, at most `limit`. */
  history(concept: string, predicate: string, afterSeq: number, limit: number): StoredAssertion[] {
    const c = this.#keys.concepts.id(concept);
    const p = this.#keys.predicates.id(predicate);
    if (c === undefined || p === undefined) return [];
    return this.#history.all(c, p, afterSeq, limit).map(withValue);
  }
}
