/**
 * Archival through the compiled binary (the AWS SDK must work inside
 * `bun build --compile`): `serve --archive-to s3://…` against a real s3rver
 * ships while writes come in; `archive-wal` ships a data dir to another
 * prefix after the server stopped, and a second run ships nothing; `prune
 * --dry-run` reads the target; `--help` of both commands.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { archiveHealth, startLoad, waitFor } from "../helpers/archive-load.ts";
import { type S3rverProcess, startS3rver } from "../helpers/s3rver-process.ts";
import { startServeProcess } from "../helpers/serve-process.ts";
import { buildBinary, runBinary } from "./binary.ts";

let bin: string;
let work: string;
let s3: S3rverProcess;

beforeAll(async () => {
  [bin, s3] = await Promise.all([buildBinary().then((b) => b.path), startS3rver()]);
  work = mkdtempSync(join(tmpdir(), "stemedb-e2e-archive-"));
}, 180_000);

afterAll(async () => {
  await s3?.[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
  if (bin) rmSync(dirname(bin), { recursive: true, force: true });
});

test("help of archive-wal and prune", async () => {
  for (const cmd of ["archive-wal", "prune"]) {
    const r = await runBinary(bin, [cmd, "--help"], { cwd: work });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain(`Usage: stemedb ${cmd}`);
  }
});

test("serve --archive-to s3://, then archive-wal and prune --dry-run, all from the binary", async () => {
  const dataDir = join(work, "data");
  const server = await startServeProcess(
    bin,
    [
      "--data-dir",
      dataDir,
      "--port",
      "0",
      "--archive-to",
      s3.url("live"),
      "--archive-interval-ms",
      "100",
    ],
    { cwd: work, env: s3.env },
  );
  const load = startLoad(server.url);
  try {
    const a = await waitFor("the binary to ship to s3rver", async () => {
      const h = await archiveHealth(server.url);
      return (h.archived_lsn ?? 0) > 200 && h.last_error === null && h;
    });
    expect(a.mode).toBe("ship");
    expect(a.target).toBe(s3.url("live"));
  } finally {
    await load.stop();
    expect((await server.stop("SIGTERM")).code).toBe(0);
  }

  const env = s3.env;
  const first = await runBinary(
    bin,
    ["archive-wal", "--data-dir", dataDir, "--to", s3.url("timer"), "--json"],
    {
      cwd: work,
      env,
    },
  );
  expect([first.code, first.stderr]).toEqual([0, ""]);
  const report = JSON.parse(first.stdout);
  expect(report.records).toBe(load.acked);
  expect(report.archivedLsn).toBe(report.logLastLsn);
  const again = await runBinary(
    bin,
    ["archive-wal", "--data-dir", dataDir, "--to", s3.url("timer")],
    {
      cwd: work,
      env,
    },
  );
  expect([again.code, again.stderr]).toEqual([0, ""]);
  expect(again.stdout).toContain("archived 0 record(s) in 0 object(s)");

  const plan = await runBinary(bin, ["prune", "--at", s3.url("timer"), "--dry-run", "--json"], {
    cwd: work,
    env,
  });
  expect([plan.code, plan.stderr]).toEqual([0, ""]);
  expect(JSON.parse(plan.stdout).delete).toEqual([]); // no snapshot yet: the archive is all there is
}, 120_000);
