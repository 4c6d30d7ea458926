/**
 * One checkpoint tick of the state database (run by checkpoint-worker.ts on its
 * own connection). PASSIVE first: it copies what it can without taking the
 * writer lock. Then, only if the WAL's live frames (not the file's high-water
 * size) still exceed `restartBytes`, RESTART: it takes the writer lock,
 * copies what was appended since the PASSIVE a moment ago (little), and waits
 * (bounded by this connection's busy_timeout) for readers to move to the
 * newest snapshot, so the next writer starts the WAL from its beginning (and
 * the writer's journal_size_limit cuts the file back). A RESTART with the
 * whole backlog to copy — what ran before — held the writer lock through the
 * copy and the database fsync: under load that outlasted the writer's
 * busy_timeout and an apply failed with SQLITE_BUSY (seen in a 1M benchmark).
 */
import type { Database } from "bun:sqlite";

export type CheckpointStep =
  /** PASSIVE ran; frames are left (readers hold older snapshots, or a writer appended meanwhile). */
  | "partial"
  /** PASSIVE copied everything. */
  | "complete"
  /** The WAL was over its bound after PASSIVE: RESTART ran and finished. */
  | "restarted";

/**
 * @param pageBytes the database's page size: the WAL's live content is its
 *   frame count times this (the file itself keeps its high-water size).
 */
export function checkpointStep(
  db: Database,
  pageBytes: number,
  restartBytes: number,
): CheckpointStep {
  const row = db.query("PRAGMA wal_checkpoint(PASSIVE)").values()[0] as number[] | undefined;
  const [busy = 1, logFrames = 0, checkpointed = -1] = row ?? [];
  if (logFrames * pageBytes > restartBytes) {
    const restart = db.query("PRAGMA wal_checkpoint(RESTART)").values()[0] as number[] | undefined;
    // Busy: a reader kept an older snapshot past the busy_timeout; the next tick tries again.
    return restart?.[0] === 0 ? "restarted" : "partial";
  }
  return busy !== 0 || logFrames !== checkpointed ? "partial" : "complete";
}

/**
 * Tracks commits by other connections (`PRAGMA data_version` on this one) so
 * that an idle database gives its WAL file back: after a tick that copied
 * everything (`complete`, or `restarted`) with no commit since the previous tick, and a WAL
 * file still on disk, TRUNCATE resets it to zero bytes. It waits on no writer
 * (there is none) and frees up to `journal_size_limit` (64 MiB) of disk that
 * a loaded writer keeps as its high-water mark (SPEC §9: disk per assertion).
 */
export class IdleTruncation {
  readonly #db: Database;
  readonly #walBytes: () => number;
  #lastVersion: number | undefined;

  constructor(db: Database, walBytes: () => number) {
    this.#db = db;
    this.#walBytes = walBytes;
  }

  /** Call after each `checkpointStep`; true when it truncated the WAL. */
  afterStep(step: CheckpointStep): boolean {
    const version = (this.#db.query("PRAGMA data_version").values()[0] as number[])[0];
    const idle = version === this.#lastVersion;
    this.#lastVersion = version;
    // "restarted" copied everything too: after a load that left the WAL over
    // its bound, PASSIVE keeps reporting the old frame count (only a writer
    // starts the WAL again), so every tick RESTARTs and none is "complete".
    if (!idle || step === "partial" || this.#walBytes() === 0) return false;
    const row = this.#db.query("PRAGMA wal_checkpoint(TRUNCATE)").values()[0] as
      | number[]
      | undefined;
    return row?.[0] === 0;
  }
}
