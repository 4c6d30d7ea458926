/**
 * A stored assertion as the API shows it (SPEC §3 `GET /v1/assertions/:id`):
 * `assertion` is exactly what the agent signed — the fields of `C` (RFC 8785,
 * so in canonical order) plus `sig` — never a re-encoding of stored columns.
 */
import { statusName } from "../engine/log-records.ts";
import { toHex } from "../hex.ts";
import type { RedactedEntry } from "../redaction/redacted-table.ts";
import type { StoredAssertion } from "../store/assertion-table.ts";

const decoder = new TextDecoder();

export interface AssertionView {
  id: string;
  assertion: Record<string, unknown>;
  seq: number;
  received_at: number;
  status: string;
  /** Why it was quarantined (SPEC §6), only when there are reasons. */
  reasons?: string[];
}

/** SPEC §12: what `GET /v1/assertions/:id` answers for a redacted assertion. */
export interface RedactedView {
  id: string;
  seq: number;
  status: "redacted";
  redaction: { id: string; seq: number; reason: string } | null;
}

export function redactedView(entry: RedactedEntry): RedactedView {
  const r = entry.redaction;
  return {
    id: toHex(entry.id),
    seq: entry.seq,
    status: "redacted",
    redaction: r === null ? null : { id: toHex(r.id), seq: r.seq, reason: r.reason },
  };
}

export function assertionView(row: StoredAssertion): AssertionView {
  const assertion = JSON.parse(decoder.decode(row.canonical)) as Record<string, unknown>;
  assertion.sig = toHex(row.sig);
  const view: AssertionView = {
    id: toHex(row.id),
    assertion,
    seq: row.seq,
    received_at: row.received_at,
    status: statusName(row.status),
  };
  if (row.reasons !== null && row.reasons !== "") view.reasons = row.reasons.split(",");
  return view;
}
