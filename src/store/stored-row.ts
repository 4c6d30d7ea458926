/**
 * How a full assertion row is read back with its keys as text (schema v2):
 * the interned ids joined to their tables, the retraction target's seq to its
 * id (from `redacted` when the target was redacted, SPEC §12), and the value sliced from the canonical bytes. Every read that returns a
 * `StoredAssertion` (by id, by seq, history, quarantine listings) uses these.
 */
import { valueFromCanonical } from "../protocol/canonical-value.ts";

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

/**
 * The text of an interned key of row `a`, as a scalar subquery: always a rowid
 * look-up, where a join could be planned as a scan of a small table.
 */
export const nameOf = {
  concept: "(SELECT path FROM concepts WHERE id = a.concept)",
  predicate: "(SELECT name FROM predicates WHERE id = a.predicate)",
  agent: "(SELECT key FROM agent_keys WHERE id = a.agent)",
} as const;

/** The columns of `StoredAssertion` but `value`, from `assertions AS a`. */
export const STORED_COLUMNS = `a.seq, a.id, ${nameOf.concept} AS concept,
  ${nameOf.predicate} AS predicate, ${nameOf.agent} AS agent, a.confidence, a.ts,
  CASE WHEN a.retracts IS NULL THEN NULL ELSE coalesce(
    (SELECT id FROM assertions WHERE seq = a.retracts),
    (SELECT id FROM redacted WHERE seq = a.retracts)) END AS retracts, a.status, a.reasons,
  a.received_at, a.canonical, a.sig`;

export type StoredRow = Omit<StoredAssertion, "value">;

export function withValue(row: StoredRow): StoredAssertion {
  return { ...row, value: valueFromCanonical(row.canonical) };
}
