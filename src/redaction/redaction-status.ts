/**
 * What health and `/metrics` say about redaction (SPEC §12): how many
 * assertions are redacted, and the scrub backlog — redactions whose bytes
 * this node's segment log or SQLite WAL may still hold (0 except between a
 * crash and the next start) and the archive URL's (`archive_backlog`,
 * archive-scrub-job.ts; null: this server does not scrub the archive).
 */
import type { State } from "../store/state.ts";

export interface RedactionStatus {
  redacted: number;
  local_backlog: number;
  archive_backlog: number | null;
}

/** `archiveBacklog`: the archive scrub job's (archive-scrub-job.ts); null when this server runs none. */
export function redactionStatus(
  state: State,
  archiveBacklog: number | null = null,
): RedactionStatus {
  return {
    redacted: state.redacted.size,
    local_backlog: state.redacted.size === 0 ? 0 : state.redacted.unscrubbedCount(),
    archive_backlog: archiveBacklog,
  };
}
