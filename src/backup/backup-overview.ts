/**
 * The shapes of `GET /v1/backup` (SPEC §7, issue 18): what a backup URL holds,
 * as src/backup/backup-listing.ts lists it and the dashboard shows it. Types
 * only, with no imports, so the browser bundle can share them.
 */

export interface SnapshotSummary {
  prefix: string;
  last_lsn: number;
  created_at: string;
  stored_bytes: number;
}

/** What is shown of a recorded dr-drill (src/backup/drill-record.ts). */
export interface DrillSummary {
  key: string;
  at: string;
  ok: boolean;
  problems: string[];
  restored_tree_size: number | null;
  rto_ms: number | null;
  rpo_records: number | null;
  rpo_seconds: number | null;
  consistency: string;
}

export interface BackupOverview {
  url: string;
  /** When the URL was last listed; null before the first listing succeeded. */
  listed_at: string | null;
  snapshot_count: number;
  /** Newest first, at most LISTED_SNAPSHOTS. */
  snapshots: SnapshotSummary[];
  last_drill: DrillSummary | null;
  error: string | null;
}
