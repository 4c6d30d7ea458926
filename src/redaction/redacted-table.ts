/**
 * The `redacted` table (migration 0004, SPEC §12): what is left of a redacted
 * assertion — its seq and id (its Merkle leaf) — and which redaction removed
 * it, with why. Written only by the apply path (`applyRedaction`,
 * `applyStub`) and by the scrubber's `markScrubbed`; read by the plan
 * (resubmissions, retractions of redacted targets), the readers
 * (`GET /v1/assertions/:id`, inclusion proofs) and the verifiers.
 *
 * `size` is counted once at open and kept by `record`/`stub`, so the plan's
 * look-up costs nothing while no assertion was ever redacted.
 */
import type { Database, Statement } from "bun:sqlite";

export interface RedactedEntry {
  /** The redacted assertion's seq: its leaf index + 1. */
  seq: number;
  /** The redacted assertion's id (32 bytes). */
  id: Uint8Array;
  /** The redaction's seq and id; null only for a stub whose redaction a replay has not reached yet. */
  redaction: { seq: number; id: Uint8Array; reason: string } | null;
  /** True once the segment log holds a stub in place of the frame and the SQLite WAL was truncated. */
  logScrubbed: boolean;
}

interface Row {
  seq: number;
  id: Uint8Array;
  redaction_seq: number | null;
  redaction_id: Uint8Array | null;
  reason: string | null;
  log_scrubbed: number;
}

const COLUMNS = `r.seq, r.id, r.redaction_seq, r.reason, r.log_scrubbed,
  (SELECT id FROM assertions WHERE seq = r.redaction_seq) AS redaction_id`;

const toEntry = (r: Row): RedactedEntry => ({
  seq: r.seq,
  id: r.id,
  redaction:
    r.redaction_seq === null || r.redaction_id === null
      ? null
      : { seq: r.redaction_seq, id: r.redaction_id, reason: r.reason ?? "" },
  logScrubbed: r.log_scrubbed === 1,
});

export class RedactedTable {
  readonly #db: Database;
  readonly #byId: Statement<Row, [Uint8Array]>;
  readonly #bySeq: Statement<Row, [number]>;
  #size: number;

  constructor(db: Database) {
    this.#db = db;
    this.#byId = db.query(`SELECT ${COLUMNS} FROM redacted AS r WHERE r.id = ?`);
    this.#bySeq = db.query(`SELECT ${COLUMNS} FROM redacted AS r WHERE r.seq = ?`);
    this.#size = db.query<{ n: number }, []>("SELECT count(*) AS n FROM redacted").get()?.n ?? 0;
  }

  /** Redacted assertions (as this connection counted them; the writer's count is exact). */
  get size(): number {
    return this.#size;
  }

  byId(id: Uint8Array): RedactedEntry | undefined {
    const row = this.#byId.get(id);
    return row === null ? undefined : toEntry(row);
  }

  bySeq(seq: number): RedactedEntry | undefined {
    const row = this.#bySeq.get(seq);
    return row === null ? undefined : toEntry(row);
  }

  /** The redacted target's id at `seq`, for the Merkle leaf (undefined when `seq` is not redacted). */
  leafId(seq: number): Uint8Array | undefined {
    return this.#bySeq.get(seq)?.id;
  }

  /** Records a redaction of the row at `seq` (the row itself is deleted by the caller). */
  record(seq: number, id: Uint8Array, redactionSeq: number | null, reason: string): void {
    this.#db
      .query("INSERT INTO redacted (seq, id, redaction_seq, reason) VALUES (?, ?, ?, ?)")
      .run(seq, id, redactionSeq, reason);
    this.#size++;
  }

  /** A stub record replayed from the log: the leaf, its redaction still to come. */
  stub(seq: number, id: Uint8Array): void {
    // The log already holds the stub, so its frame is scrubbed.
    this.#db
      .query(
        "INSERT INTO redacted (seq, id, redaction_seq, reason, log_scrubbed) VALUES (?, ?, NULL, NULL, 1)",
      )
      .run(seq, id);
    this.#size++;
  }

  /** Fills in the redaction of a stub met earlier in the same replay. */
  complete(seq: number, redactionSeq: number, reason: string): void {
    this.#db
      .query("UPDATE redacted SET redaction_seq = ?, reason = ? WHERE seq = ?")
      .run(redactionSeq, reason, seq);
  }

  /** Redactions whose log frame (or WAL) may still hold the target's bytes, oldest first. */
  unscrubbed(): RedactedEntry[] {
    return this.#db
      .query<Row, []>(
        `SELECT ${COLUMNS} FROM redacted AS r INDEXED BY redacted_unscrubbed
         WHERE r.log_scrubbed = 0 ORDER BY r.seq`,
      )
      .all()
      .map(toEntry);
  }

  /** How many redactions the log or the SQLite WAL may still hold bytes of (health, /metrics). */
  unscrubbedCount(): number {
    return (
      this.#db
        .query<{ n: number }, []>(
          "SELECT count(*) AS n FROM redacted INDEXED BY redacted_unscrubbed WHERE log_scrubbed = 0",
        )
        .get()?.n ?? 0
    );
  }

  markScrubbed(seq: number): void {
    this.#db.query("UPDATE redacted SET log_scrubbed = 1 WHERE seq = ?").run(seq);
  }

  /** Stubs whose redaction never came: each is a frame removed without a redaction (tampering). */
  orphanStubs(): RedactedEntry[] {
    return this.#db
      .query<Row, []>(`SELECT ${COLUMNS} FROM redacted AS r WHERE r.redaction_seq IS NULL`)
      .all()
      .map(toEntry);
  }
}
