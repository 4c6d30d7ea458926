/**
 * What health and `/metrics` say about redaction (SPEC §12): how many
 * assertions are redacted, and the scrub backlog — redactions whose bytes
 * this node's segment log or SQLite WAL may still hold (0 except between a
 * crash and the next start) and, once the archive URL is scrubbed too, its
 * backlog (`archive_backlog`; null: this server does not scrub the archive).
 */
import type { State } from "../store/state.ts";

export interface RedactionStatus {
  redacted: number;
  local_backlog: number;
  archive_backlog: number | null;
}

export function redactionStatus(state: State): RedactionStatus {
  return {
    redacted: state.redacted.size,
    local_backlog: state.redacted.size === 0 ? 0 : state.redacted.unscrubbedCount(),
    archive_backlog: null,
  };
}
