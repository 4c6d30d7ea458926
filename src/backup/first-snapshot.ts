/**
 * SPEC §7: "`serve --archive-to` on an empty URL takes its first snapshot by
 * itself" — and so does `archive-wal`: a URL that holds no snapshot of the data
 * dir's history (nor of its parents before the branch) cannot be restored from
 * when the local log no longer starts at lsn 1, whatever the archive holds. The
 * snapshot is an online backup (take-backup.ts) beside the live server.
 */
import type { BackupTarget } from "./backup-target.ts";
import type { HistoryRecord } from "./history.ts";
import { lineageSnapshots } from "./restorable.ts";
import { takeBackup } from "./take-backup.ts";

/** Takes a snapshot when the URL holds none of `history`'s lineage; returns its prefix, if taken. */
export async function ensureFirstSnapshot(
  target: BackupTarget,
  history: HistoryRecord,
  source: { dataDir: string; version: string },
): Promise<string | undefined> {
  if ((await lineageSnapshots(target, history)).length > 0) return undefined;
  return (await takeBackup({ ...source, target })).prefix;
}
