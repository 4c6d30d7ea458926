/**
 * Keeps `key_heads` (migration 0005) true in the writer's transaction: each
 * agent's latest visible assertion per key (SPEC §4: greatest ts, tie greater
 * seq; visible = accepted or released, not a retraction, not withdrawn by a
 * visible retraction). `AssertionTable` calls it for every row it inserts and
 * every status it changes, so the table commits with the rows it describes.
 *
 * - A visible claim replaces its agent's head on the key when it is newer (one
 *   upsert: the common case, one B-tree write per assertion).
 * - Anything else that can change a head — a visible retraction, a release or
 *   a reject — recomputes that one (key, agent) head from the assertions: the
 *   agent's rows on the key, through `assertions_by_agent`. Rare by nature.
 */
import type { Database, Statement } from "bun:sqlite";
import { valueCanonicalFromC } from "../protocol/canonical-value.ts";

/** Values up to this many characters are kept in the head row; longer ones are read from C. */
export const INLINE_VALUE_CHARS = 256;

/** A (concept, predicate, agent) as interned ids. */
export interface HeadKey {
  cid: number;
  pid: number;
  aid: number;
}

/** A row as inserted, with the fields a head keeps. */
export interface HeadCandidate extends HeadKey {
  seq: number;
  ts: number;
  status: number;
  confidence: number | null;
  id: Uint8Array;
  canonical: Uint8Array;
  /** Seq of the withdrawn assertion, for a retraction. */
  retracts: number | null;
}

type HeadRow = Omit<HeadCandidate, keyof HeadKey | "retracts">;

const decoder = new TextDecoder();

/** The value text to keep inline, or null: too long, or C without a value (then reads slice C, and say so). */
function inlineValue(canonical: Uint8Array): string | null {
  try {
    const value = valueCanonicalFromC(decoder.decode(canonical));
    return value.length <= INLINE_VALUE_CHARS ? value : null;
  } catch {
    return null;
  }
}

const visible = (status: number) => status === 1 || status === 3;

export class KeyHeads {
  readonly #db: Database;
  #upsert: Statement | undefined;
  #delete: Statement | undefined;
  #latest: Statement<HeadRow, [number, number, number]> | undefined;

  constructor(db: Database) {
    this.#db = db;
  }

  /** After `row` was inserted. */
  inserted(row: HeadCandidate): void {
    if (!visible(row.status)) return;
    if (row.retracts !== null) this.recompute(row);
    else this.#offer(row, row);
  }

  /** The head of `key` recomputed from its agent's visible rows (after a retraction or a review). */
  recompute(key: HeadKey): void {
    this.#latest ??= this.#db.query(
      `SELECT a.seq, a.ts, a.status, a.confidence, a.id, a.canonical
       FROM assertions AS a INDEXED BY assertions_by_agent
       WHERE a.agent = ?3 AND a.concept = ?1 AND a.predicate = ?2
         AND a.status IN (1, 3) AND a.retracts IS NULL
         AND NOT EXISTS (SELECT 1 FROM assertions AS r INDEXED BY assertions_by_retracts
                         WHERE r.retracts = a.seq AND r.status IN (1, 3))
       ORDER BY a.ts DESC, a.seq DESC LIMIT 1`,
    );
    this.#delete ??= this.#db.query(
      "DELETE FROM key_heads WHERE concept = ? AND predicate = ? AND agent = ?",
    );
    this.#delete.run(key.cid, key.pid, key.aid);
    const head = this.#latest.get(key.cid, key.pid, key.aid);
    if (head !== null) this.#offer(key, head);
  }

  /** Makes `row` the head of `key` unless the head there is newer (ts, then seq). */
  #offer(key: HeadKey, row: HeadRow): void {
    this.#upsert ??= this.#db.query(
      `INSERT INTO key_heads (concept, predicate, agent, ts, seq, status, confidence, id, value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (concept, predicate, agent) DO UPDATE SET
         ts = excluded.ts, seq = excluded.seq, status = excluded.status,
         confidence = excluded.confidence, id = excluded.id, value = excluded.value
       WHERE excluded.ts > key_heads.ts OR (excluded.ts = key_heads.ts AND excluded.seq > key_heads.seq)`,
    );
    this.#upsert.run(
      key.cid,
      key.pid,
      key.aid,
      row.ts,
      row.seq,
      row.status,
      row.confidence,
      row.id,
      inlineValue(row.canonical),
    );
  }
}
