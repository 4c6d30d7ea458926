/** The redaction gauges of `/metrics` (SPEC §12), read from the state at scrape time. */
import { Gauge, type Registry } from "prom-client";
import type { RedactionStatus } from "../redaction/redaction-status.ts";

export class RedactionMetrics {
  readonly #redacted: Gauge;
  readonly #localBacklog: Gauge;
  readonly #archiveBacklog: Gauge;

  constructor(registry: Registry) {
    const g = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
    this.#redacted = g("stemedb_redacted_assertions", "Assertions whose content was redacted");
    this.#localBacklog = g(
      "stemedb_redaction_local_backlog",
      "Redactions whose bytes the segment log or the SQLite WAL may still hold (scrubbed at start)",
    );
    this.#archiveBacklog = g(
      "stemedb_redaction_archive_backlog",
      "Redactions whose archive URL objects may still hold the bytes (absent without an archive scrub)",
    );
  }

  observe(s: RedactionStatus): void {
    this.#redacted.set(s.redacted);
    this.#localBacklog.set(s.local_backlog);
    if (s.archive_backlog !== null) this.#archiveBacklog.set(s.archive_backlog);
  }
}
