/**
 * The archival gauges of `/metrics` (SPEC §7), registered only when archival
 * is configured and read from the archiver's status at scrape time. A time
 * that never happened is 0, so `time() - x > threshold` alerts fire on it.
 */
import { Gauge, type Registry } from "prom-client";
import type { ArchiveStatus } from "../backup/archiver.ts";

const seconds = (iso: string | null) => (iso === null ? 0 : Date.parse(iso) / 1000);

function makeGauges(registry: Registry) {
  const g = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  return {
    lag: g(
      "stemedb_archive_lag_seconds",
      "Age of the oldest log record not yet in the archive (0 when caught up)",
    ),
    backlogBytes: g("stemedb_archive_backlog_bytes", "Log bytes not yet archived"),
    backlogRecords: g("stemedb_archive_backlog_records", "Log records not yet archived"),
    archivedLsn: g("stemedb_archive_archived_lsn", "Every log record up to this LSN is archived"),
    failures: g(
      "stemedb_archive_consecutive_failures",
      "Archive rounds failed in a row (0 after a success)",
    ),
    lastSuccess: g(
      "stemedb_archive_last_success_timestamp_seconds",
      "Last successful archive round (ship or listing), Unix seconds; 0 = never",
    ),
    restorable: g(
      "stemedb_archive_restorable",
      "1 when the archive URL can be restored from (a snapshot of this server's history, no gap), else 0 (SPEC §7)",
    ),
    backupLastSuccess: g(
      "stemedb_backup_last_success_timestamp_seconds",
      "created_at of the newest complete backup snapshot in the target, Unix seconds; 0 = none",
    ),
  };
}

export class ArchiveMetrics {
  readonly #gauges: ReturnType<typeof makeGauges>;

  constructor(registry: Registry) {
    this.#gauges = makeGauges(registry);
  }

  observe(s: ArchiveStatus): void {
    const g = this.#gauges;
    g.lag.set(s.lag_seconds);
    g.backlogBytes.set(s.backlog_bytes);
    g.backlogRecords.set(s.backlog_records);
    g.archivedLsn.set(s.archived_lsn ?? 0);
    g.failures.set(s.consecutive_failures);
    g.lastSuccess.set(seconds(s.last_success_at));
    g.backupLastSuccess.set(seconds(s.backup_last_success_at));
    g.restorable.set(s.restorable ? 1 : 0);
  }
}
