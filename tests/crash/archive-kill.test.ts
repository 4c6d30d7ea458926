/**
 * Continuous archival survives SIGKILL of the server mid-ship (SPEC §7:
 * resumes after a crash of either side, gap-free, never a duplicate range).
 * A `stemedb serve` process archives to a real s3rver through a pass-through
 * proxy that watches the requests; under write load, the server is SIGKILLed
 * the moment one of its multipart part uploads is on the wire — an archive
 * object half uploaded. Restarted on the same data dir, it resumes from the
 * target's listing. Three rounds; then the archive must hold exactly the
 * log: every LSN once, ranges back to back, every object verified.
 */
import { expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { makeS3Client, S3Target } from "../../src/backup/s3-target.ts";
import { Engine } from "../../src/engine/engine.ts";
import { segmentLogOf } from "../../src/log/segment-log.ts";
import { silentLogger } from "../../src/logger.ts";
import { expectSameRecords, readArchive } from "../helpers/archive-check.ts";
import { archiveHealth, startLoad, waitFor } from "../helpers/archive-load.ts";
import { cutProxy } from "../helpers/cut-proxy.ts";
import { S3_BUCKET, startS3rver } from "../helpers/s3rver-process.ts";
import { startServeProcess } from "../helpers/serve-process.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const ROUNDS = 3;

test(`archival resumes without gap or duplicate after ${ROUNDS} SIGKILLs mid-upload`, async () => {
  await using s3 = await startS3rver();
  using dir = tempDir("stemedb-archive-kill-");
  const dataDir = join(dir.path, "data");
  let onPart: (() => void) | undefined;
  await using proxy = await cutProxy(s3.port, Number.POSITIVE_INFINITY, (chunk) => {
    if (onPart && chunk.includes("partNumber=")) onPart();
    return false;
  });
  const env = {
    ...s3.env,
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${proxy.port}`,
    STEMEDB_SEGMENT_BYTES: "65536",
  };
  const args = ["--data-dir", dataDir, "--port", "0", "--archive-to", s3.url("kill")];
  let kills = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const server = await startServeProcess(
      process.execPath,
      [...args, "--archive-interval-ms", "20"],
      { cwd: dir.path, script: MAIN, env },
    );
    const load = startLoad(server.url);
    await waitFor("load", () => load.acked > 300);
    let seen = 0;
    const killed = new Promise<void>((resolveKill) => {
      onPart = () => {
        // The 3rd part upload after the load began: a range is on the wire right now.
        if (++seen === 3) {
          server.proc.kill("SIGKILL");
          onPart = undefined;
          resolveKill();
        }
      };
    });
    await killed;
    const out = await server.stop("SIGKILL");
    expect(server.proc.signalCode).toBe("SIGKILL");
    expect(out.stderr).not.toContain("uncaught");
    await load.stop();
    kills++;
  }

  // A last run: starts from the listing, ships the rest, stops cleanly.
  const server = await startServeProcess(process.execPath, [...args], {
    cwd: dir.path,
    script: MAIN,
    env,
  });
  const last = await waitFor("the archive to catch up after the kills", async () => {
    const a = await archiveHealth(server.url);
    return a.backlog_records === 0 && a.archived_lsn !== null && a.last_error === null && a;
  });
  expect(last.archived_lsn).toBe(last.log_last_lsn);
  expect((await server.stop("SIGTERM")).code).toBe(0);

  const target = new S3Target(
    makeS3Client({ s3ForcePathStyle: true }, s3.env),
    { bucket: S3_BUCKET, prefix: "kill/" },
    s3.url("kill"),
  );
  const { frames, ranges } = await readArchive(target); // back to back, each verified
  const engine = await Engine.open({ dataDir, logger: silentLogger });
  try {
    expectSameRecords(frames, [...segmentLogOf(engine.log).readFrom(1)]);
  } finally {
    await engine.close();
  }
  console.log(
    `archive kill test: ${kills} SIGKILLs mid-upload, ${frames.length} records in ${ranges.length} objects, no gap, no overlap`,
  );
}, 180_000);
