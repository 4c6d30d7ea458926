/**
 * Worker entry: checkpoints the SQLite WAL on its own connection, so the copy
 * of WAL pages into the database and its fsync never run inside a COMMIT on
 * the event loop (measured: checkpoints in COMMIT set the single-POST p99).
 * Each interval runs one `checkpointStep`: PASSIVE, and RESTART only when
 * nothing is left to copy and the WAL is over `restartBytes`; once a whole
 * interval passed without a commit, `IdleTruncation` gives the WAL file back.
 */
import { Database } from "bun:sqlite";
import { statSync } from "node:fs";
import { checkpointStep, IdleTruncation } from "./checkpoint-step.ts";
import type { CheckpointCommand } from "./checkpointer.ts";

declare const self: Worker;

let db: Database | undefined;
let timer: ReturnType<typeof setInterval> | undefined;

self.onmessage = (event: MessageEvent<CheckpointCommand>) => {
  const cmd = event.data;
  if (cmd.kind === "start") {
    db = new Database(cmd.path);
    db.run("PRAGMA busy_timeout = 100");
    const open = db;
    const pageBytes = (open.query("PRAGMA page_size").values()[0] as number[])[0] as number;
    const wal = `${cmd.path}-wal`;
    const idle = new IdleTruncation(
      open,
      () => statSync(wal, { throwIfNoEntry: false })?.size ?? 0,
    );
    timer = setInterval(() => {
      try {
        idle.afterStep(checkpointStep(open, pageBytes, cmd.restartBytes));
      } catch {
        // SQLITE_BUSY: a writer holds the lock; the next tick tries again.
      }
    }, cmd.intervalMs);
  } else {
    if (timer) clearInterval(timer);
    db?.close();
    db = undefined;
    self.postMessage("stopped");
  }
};
