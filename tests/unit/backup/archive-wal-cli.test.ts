/**
 * `stemedb archive-wal` in-process (the CLI with an injected environment):
 * ships a data dir's log to a directory and to a real s3rver, is idempotent,
 * runs beside a live server (read-only), fails cleanly (exit 1, nothing
 * half-shipped) when the target is down, and — with the server in
 * `--archive-ship false` mode — the server learns the archived LSN from the
 * target's listing (what its retention then uses).
 */
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { ARCHIVE_PREFIX } from "../../../src/backup/backup-layout.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { segmentLogOf } from "../../../src/log/segment-log.ts";
import { silentLogger } from "../../../src/logger.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { expectSameRecords, readArchive } from "../../helpers/archive-check.ts";
import { archiveHealth, startLoad, waitFor } from "../../helpers/archive-load.ts";
import { startS3rver } from "../../helpers/s3rver-process.ts";
import { startServeProcess } from "../../helpers/serve-process.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { run } from "../cli/cli-test-io.ts";

const MAIN = resolve(import.meta.dir, "../../../src/main.ts");
const alice = testAgent(3);

async function fill(dataDir: string, from: number, count: number): Promise<Engine> {
  const e = await Engine.open({ dataDir, logger: silentLogger, segmentBytes: 16_384 });
  for (let i = from; i < from + count; i += 20) {
    const batch = [];
    for (let j = i; j < Math.min(from + count, i + 20); j++) {
      batch.push(
        prepare(
          alice.sign({ concept: `cli/k${j}`, predicate: "p", value: j, ts: 1_767_225_600_000 + j }),
        ),
      );
    }
    await e.ingest(batch);
  }
  return e;
}

describe("stemedb archive-wal", () => {
  test("ships a data dir to a directory, idempotently, beside a live engine", async () => {
    using dir = tempDir();
    const data = join(dir.path, "data");
    const to = join(dir.path, "archive");
    const e = await fill(data, 0, 200);
    try {
      const first = await run(["archive-wal", "--data-dir", data, "--to", to, "--json"]);
      expect([first.code, first.stderr]).toEqual([0, ""]);
      const report = JSON.parse(first.stdout);
      expect(report.records).toBe(200);
      expect(report.archivedLsn).toBe(e.log.lastLsn);

      const again = await run(["archive-wal", "--to", to], { env: { STEMEDB_DATA_DIR: data } });
      expect([again.code, again.stderr]).toEqual([0, ""]);
      expect(again.stdout).toContain("archived 0 record(s) in 0 object(s)");
      expect(again.stdout).toContain(`through lsn ${e.log.lastLsn} of ${e.log.lastLsn}`);

      const { frames } = await readArchive(new DirTarget(to));
      expectSameRecords(frames, [...segmentLogOf(e.log).readFrom(1)]);
    } finally {
      await e.close();
    }
  });

  test("to S3 (a real s3rver) with the AWS SDK environment; a dead target exits 1 and ships nothing half", async () => {
    await using s3 = await startS3rver();
    using dir = tempDir();
    const data = join(dir.path, "data");
    await (await fill(data, 0, 120)).close();
    const env = { ...s3.env, STEMEDB_DATA_DIR: data, STEMEDB_ARCHIVE_TO: s3.url("a/b") };
    const ok = await run(["archive-wal", "--json"], { env });
    expect([ok.code, ok.stderr]).toEqual([0, ""]);
    expect(JSON.parse(ok.stdout).records).toBe(120);

    const e = await fill(data, 120, 60);
    await e.close();
    await s3.kill();
    const down = await run(["archive-wal"], { env: { ...env, AWS_MAX_ATTEMPTS: "2" } });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^stemedb: backup_unavailable: cannot list s3:\/\/stemedb-test\/a\/b/,
    );
    await s3.start();
    const back = await run(["archive-wal", "--json"], { env });
    expect([back.code, back.stderr]).toEqual([0, ""]);
    expect(JSON.parse(back.stdout).records).toBe(60);
  }, 60_000);

  test("usage: a target is required; a dir that is no data dir is refused", async () => {
    const none = await run(["archive-wal", "--data-dir", "/nonexistent"]);
    expect([none.code, none.stdout]).toEqual([2, ""]);
    expect(none.stderr).toContain("--to URL is required");
    using dir = tempDir();
    const bad = await run(["archive-wal", "--data-dir", dir.path, "--to", join(dir.path, "x")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("is not a StemeDB data dir");
    const scheme = await run(["archive-wal", "--data-dir", dir.path, "--to", "ftp://host/x"]);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain(`unsupported backup target "ftp://host/x"`);
  });

  test("a server in --archive-ship false mode follows what archive-wal ships", async () => {
    using dir = tempDir();
    const data = join(dir.path, "data");
    const to = join(dir.path, "archive");
    const server = await startServeProcess(
      process.execPath,
      [
        "--data-dir",
        data,
        "--port",
        "0",
        "--archive-to",
        to,
        "--archive-ship",
        "false",
        "--archive-interval-ms",
        "50",
      ],
      { cwd: dir.path, script: MAIN },
    );
    const load = startLoad(server.url);
    try {
      await waitFor("writes", () => load.acked > 500);
      const before = await archiveHealth(server.url);
      expect(before.mode).toBe("watch");
      expect(before.backlog_records).toBeGreaterThan(0);
      const r = await run(["archive-wal", "--data-dir", data, "--to", to, "--json"]);
      expect([r.code, r.stderr]).toEqual([0, ""]);
      const shipped = JSON.parse(r.stdout).archivedLsn as number;
      expect(shipped).toBeGreaterThan(500);
      const seen = await waitFor("the server to see the shipped LSN", async () => {
        const a = await archiveHealth(server.url);
        return (a.archived_lsn ?? 0) >= shipped && a;
      });
      expect(seen.shipped.objects).toBe(0); // the server itself shipped nothing
      expect((await new DirTarget(to).list(ARCHIVE_PREFIX)).length).toBeGreaterThan(0);
    } finally {
      await load.stop();
      expect((await server.stop("SIGTERM")).code).toBe(0);
    }
  }, 60_000);
});
