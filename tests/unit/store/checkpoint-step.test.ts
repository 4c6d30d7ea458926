import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { checkpointStep, IdleTruncation } from "../../../src/store/checkpoint-step.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

/** A writer (autocheckpoint off, as the engine's is while the worker runs) and a checkpointer connection. */
function open(path: string) {
  const writer = new Database(path, { create: true });
  writer.run("PRAGMA journal_mode = WAL");
  writer.run("PRAGMA wal_autocheckpoint = 0");
  writer.run("PRAGMA busy_timeout = 0"); // any lock held by the checkpointer fails a write at once
  writer.run("CREATE TABLE t (v BLOB)");
  const checkpointer = new Database(path);
  checkpointer.run("PRAGMA busy_timeout = 100");
  const write = (rows: number) => {
    const insert = writer.prepare("INSERT INTO t VALUES (randomblob(1000))");
    writer.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run();
    })();
  };
  const walFrames = () =>
    (checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)").values()[0] as number[])[1] as number;
  return { writer, checkpointer, write, walFrames };
}

describe("checkpointStep", () => {
  test("copies everything and leaves a WAL under its bound as it is", () => {
    using dir = tempDir();
    const { writer, checkpointer, write } = open(join(dir.path, "s.sqlite"));
    write(200);
    expect(checkpointStep(checkpointer, 4096, 1 << 30)).toBe("complete");
    writer.close();
    checkpointer.close();
  });

  test("restarts an over-bound WAL once it is fully copied: the next write starts at its beginning", () => {
    using dir = tempDir();
    const path = join(dir.path, "s.sqlite");
    const { writer, checkpointer, write, walFrames } = open(path);
    write(2000);
    const before = walFrames();
    expect(before).toBeGreaterThan(400);
    expect(checkpointStep(checkpointer, 4096, 0)).toBe("restarted");
    write(1);
    expect(walFrames()).toBeLessThan(10);
    writer.close();
    checkpointer.close();
  });

  test("with a reader on an old snapshot: copies what it can, the writer lock is free again at once", () => {
    using dir = tempDir();
    const path = join(dir.path, "s.sqlite");
    const { writer, checkpointer, write, walFrames } = open(path);
    write(100);
    const reader = new Database(path);
    reader.run("BEGIN");
    reader.query("SELECT count(*) FROM t").get(); // holds this snapshot until COMMIT
    write(2000);
    expect(checkpointStep(checkpointer, 4096, 1 << 30)).toBe("partial");
    expect(checkpointStep(checkpointer, 4096, 0)).toBe("partial"); // RESTART gave up on the reader
    write(10); // busy_timeout 0: would throw SQLITE_BUSY had the step kept the writer lock
    reader.run("COMMIT");
    expect(checkpointStep(checkpointer, 4096, 0)).toBe("restarted");
    write(1);
    expect(walFrames()).toBeLessThan(10);
    reader.close();
    writer.close();
    checkpointer.close();
  });
});

describe("IdleTruncation", () => {
  test("gives the WAL file back only after a tick with no commit in between", () => {
    using dir = tempDir();
    const path = join(dir.path, "s.sqlite");
    const { writer, checkpointer, write } = open(path);
    const walBytes = () => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    const idle = new IdleTruncation(checkpointer, walBytes);
    const tick = () => idle.afterStep(checkpointStep(checkpointer, 4096, 1 << 30));
    write(500);
    expect(tick()).toBe(false); // first look: no earlier version to compare with
    write(10);
    expect(tick()).toBe(false); // a commit since the last tick: the writer is busy
    expect(walBytes()).toBeGreaterThan(500 * 1000);
    expect(tick()).toBe(true); // a whole tick without a commit: truncated
    expect(walBytes()).toBe(0);
    expect(tick()).toBe(false); // nothing left to give back
    write(1);
    expect(writer.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 511 });
    writer.close();
    checkpointer.close();
  });

  test("also after a load that left the WAL over its bound: a RESTART that copied everything counts as idle", () => {
    // The 1M benchmark left 85 MB of frames (over the 64 MiB bound) at the end
    // of a load: every tick then RESTARTs (PASSIVE reports the old frame count
    // until a writer starts the WAL again), and the WAL was never given back.
    using dir = tempDir();
    const path = join(dir.path, "s.sqlite");
    const { writer, checkpointer, write } = open(path);
    const walBytes = () => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    const idle = new IdleTruncation(checkpointer, walBytes);
    const tick = () => idle.afterStep(checkpointStep(checkpointer, 4096, 64 * 1024));
    write(500); // ~500 KB of frames, over the 64 KiB bound
    expect(tick()).toBe(false); // first look
    expect(tick()).toBe(true); // idle for a whole tick: truncated
    expect(walBytes()).toBe(0);
    write(1);
    expect(writer.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 501 });
    writer.close();
    checkpointer.close();
  });
});
