/**
 * One checkpoint tick of the state database (run by checkpoint-worker.ts on its
 * own connection). PASSIVE copies what it can without taking the writer lock.
 * Only when that copied everything and the WAL's frames have outgrown
 * `restartBytes` does it run RESTART, so that the next writer starts the WAL
 * from its beginning: with nothing left to copy, RESTART holds the writer
 * lock for no copy and no fsync, only (bounded by this connection's
 * busy_timeout) while readers move to the newest snapshot. A RESTART with a
 * backlog to copy would hold the writer lock through the copy and the
 * database fsync — under load that outlasted the writer's busy_timeout and an
 * apply failed with SQLITE_BUSY (seen in a 1M benchmark run).
 */
import type { Database } from "bun:sqlite";

export type CheckpointStep =
  /** PASSIVE ran; frames are left (readers hold older snapshots, or a writer was busy). */
  | "partial"
  /** PASSIVE copied everything; the WAL is small enough to be reused as it is. */
  | "complete"
  /** Everything was copied and the WAL was over its bound: RESTART ran. */
  | "restarted";

export function checkpointStep(
  db: Database,
  walBytes: number,
  restartBytes: number,
): CheckpointStep {
  const row = db.query("PRAGMA wal_checkpoint(PASSIVE)").values()[0] as number[] | undefined;
  const [busy, logFrames, checkpointed] = row ?? [1, 0, -1];
  if (busy !== 0 || logFrames !== checkpointed) return "partial";
  if (walBytes <= restartBytes) return "complete";
  db.run("PRAGMA wal_checkpoint(RESTART)");
  return "restarted";
}
