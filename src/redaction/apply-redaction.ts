/**
 * The state side of a redaction (SPEC §12), run by THE apply function inside
 * its transaction, so ingest, recovery, restore and a cluster's followers all
 * scrub the same way and keep the same rows, seqs and root.
 *
 * `applyRedaction`: the target's `assertions` row — its canonical bytes and
 * signature — is deleted with `PRAGMA secure_delete` on, so SQLite overwrites
 * the freed cells and pages with zeros instead of leaving them in free space;
 * a `redacted` row keeps its seq and id (the leaf) and the redaction's seq and
 * reason. When no other assertion uses the target's concept, the concept's
 * path is overwritten by a placeholder (`_stemedb/redacted/<concept id>`): the
 * row stays so its id is never given to another path (reader threads cache
 * path → id). The target's key head (`key_heads`, which may hold its value
 * inline) is recomputed from the rows that remain. Returns the target's
 * concept path, so the apply can invalidate cached answers that held it
 * (undefined when nothing was removed). What is still on disk after the transaction — WAL frames with
 * the old pages — goes with the scrubber's `wal_checkpoint(TRUNCATE)`.
 *
 * `applyStub`: a stub record replayed from a scrubbed log: the leaf, with the
 * redaction that must follow it in the log (`RedactedTable.orphanStubs`).
 */
import { reverseConcept } from "../store/concept-path.ts";
import type { State } from "../store/state.ts";

const PLACEHOLDER_PREFIX = "_stemedb/redacted";

export interface RedactionApply {
  /** The redacted assertion's id. */
  target: Uint8Array;
  reason: string;
  /** The redaction's own seq; null for one known only from a restored data dir's ledger (data-dir-ledger.ts). */
  redactionSeq: number | null;
}

/** Scrubs the target's row; a target already redacted (or unknown) leaves the state as it is. */
export function applyRedaction(state: State, r: RedactionApply): string | undefined {
  const { db } = state;
  const row = db
    .query<
      { seq: number; concept: number; predicate: number; agent: number; path: string },
      [Uint8Array, Uint8Array]
    >(
      `SELECT a.seq, a.concept, a.predicate, a.agent, c.path
       FROM assertions AS a INDEXED BY assertions_by_id JOIN concepts AS c ON c.id = a.concept
       WHERE substr(a.id, 1, 8) = ? AND a.id = ?`,
    )
    .get(r.target.subarray(0, 8), r.target);
  if (row === null) {
    const stub = state.redacted.byId(r.target);
    if (stub !== undefined && stub.redaction === null && r.redactionSeq !== null) {
      state.redacted.complete(stub.seq, r.redactionSeq, r.reason);
    }
    return undefined; // redacted before (the first redaction stands), or never recorded
  }
  const before = db.query<{ secure_delete: number }, []>("PRAGMA secure_delete").get();
  db.run("PRAGMA secure_delete = ON");
  try {
    db.query("DELETE FROM assertions WHERE seq = ?").run(row.seq);
    state.redacted.record(row.seq, r.target, r.redactionSeq, r.reason);
    // The key's head may have been the target (its value inline): recompute it from what remains.
    state.assertions.removed({ cid: row.concept, pid: row.predicate, aid: row.agent });
    const used = db
      .query("SELECT 1 FROM assertions INDEXED BY assertions_by_concept WHERE concept = ? LIMIT 1")
      .get(row.concept);
    if (used === null) {
      const placeholder = `${PLACEHOLDER_PREFIX}/${row.concept}`;
      db.query("UPDATE concepts SET path = ?, concept_rev = ? WHERE id = ?").run(
        placeholder,
        reverseConcept(placeholder),
        row.concept,
      );
      state.keys.concepts.forget();
    }
    return row.path;
  } finally {
    db.run(`PRAGMA secure_delete = ${before?.secure_delete === 1 ? "ON" : "OFF"}`);
  }
}

/** A stub replayed from the log takes the leaf at `seq`; its redaction comes later in the log. */
export function applyStub(state: State, seq: number, id: Uint8Array): void {
  state.redacted.stub(seq, id);
}
