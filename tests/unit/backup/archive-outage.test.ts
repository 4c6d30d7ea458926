/**
 * Continuous archival through an outage (SPEC §7), all real: a `stemedb
 * serve` process archiving to a real s3rver process every 50 ms under a
 * steady write load. The s3rver is SIGKILLed mid-load: writes go on (every
 * batch answered 200), and the backlog (records, bytes) and the lag grow in
 * `/v1/health` and `/metrics`; started again on the same port and directory,
 * shipping catches up by itself, and the archive then holds exactly the log —
 * every LSN once, no gap, no overlap.
 */
import { expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { makeS3Client, S3Target } from "../../../src/backup/s3-target.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { segmentLogOf } from "../../../src/log/segment-log.ts";
import { silentLogger } from "../../../src/logger.ts";
import { expectSameRecords, readArchive } from "../../helpers/archive-check.ts";
import { archiveHealth, gauges, startLoad, waitFor } from "../../helpers/archive-load.ts";
import { S3_BUCKET, startS3rver } from "../../helpers/s3rver-process.ts";
import { startServeProcess } from "../../helpers/serve-process.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const MAIN = resolve(import.meta.dir, "../../../src/main.ts");

test("an unreachable target never stops writes; the backlog shows, then ships by itself", async () => {
  await using s3 = await startS3rver();
  using dir = tempDir();
  const dataDir = join(dir.path, "data");
  const server = await startServeProcess(
    process.execPath,
    [
      "--data-dir",
      dataDir,
      "--port",
      "0",
      "--archive-to",
      s3.url("prod"),
      "--archive-interval-ms",
      "50",
    ],
    { cwd: dir.path, script: MAIN, env: { ...s3.env, STEMEDB_SEGMENT_BYTES: "65536" } },
  );
  let load = startLoad(server.url);
  try {
    // Shipping keeps up under load.
    await waitFor("a first archived range", async () => {
      const a = await archiveHealth(server.url);
      return (a.archived_lsn ?? 0) > 500 && a.last_error === null && a;
    });

    await s3.kill();
    const down = await waitFor("archive rounds to fail", async () => {
      const a = await archiveHealth(server.url);
      return a.consecutive_failures >= 2 && a;
    });
    const acked = load.acked;
    await waitFor(
      "1000 more acknowledged writes while the target is down",
      () => load.acked > acked + 1000,
    );
    // A round against a dead target can outlast those writes (the SDK's retries): wait for the next one to fail too.
    const grown = await waitFor("another failed archive round", async () => {
      const a = await archiveHealth(server.url);
      return a.consecutive_failures > down.consecutive_failures && a;
    });
    expect(grown.consecutive_failures).toBeGreaterThan(down.consecutive_failures);
    expect(grown.backlog_records).toBeGreaterThan(down.backlog_records + 1000);
    expect(grown.backlog_bytes).toBeGreaterThan(down.backlog_bytes);
    expect(grown.lag_seconds).toBeGreaterThan(down.lag_seconds);
    expect(grown.last_error).not.toBeNull();
    expect(grown.archived_lsn).toBe(down.archived_lsn);
    const m = await gauges(server.url);
    expect(m.get("stemedb_archive_backlog_bytes")).toBeGreaterThan(0);
    expect(m.get("stemedb_archive_lag_seconds")).toBeGreaterThan(0);
    expect(m.get("stemedb_archive_last_success_timestamp_seconds")).toBeGreaterThan(
      Date.now() / 1000 - 120,
    );
    expect(m.has("stemedb_backup_last_success_timestamp_seconds")).toBe(true);

    await s3.start();
    await load.stop();
    const caughtUp = await waitFor("shipping to catch up", async () => {
      const a = await archiveHealth(server.url);
      return a.backlog_records === 0 && a.last_error === null && a;
    });
    expect(caughtUp.lag_seconds).toBe(0);
    expect(load.failed).toBe(0);
    load = startLoad(server.url); // and it keeps shipping afterwards
    await waitFor("more records", () => load.acked > 200);
  } finally {
    await load.stop();
    const stopped = await server.stop("SIGTERM");
    expect(stopped.code).toBe(0);
  }

  // The archive holds exactly the log: every LSN once, no gap, no overlap.
  const target = new S3Target(
    makeS3Client({ s3ForcePathStyle: true }, s3.env),
    { bucket: S3_BUCKET, prefix: "prod/" },
    s3.url("prod"),
  );
  const { frames } = await readArchive(target);
  const engine = await Engine.open({ dataDir, logger: silentLogger });
  try {
    const log = [...segmentLogOf(engine.log).readFrom(1)];
    expect(log.length).toBeGreaterThan(3000);
    expectSameRecords(frames, log); // the clean stop shipped the last records too
  } finally {
    await engine.close();
  }
}, 120_000);
