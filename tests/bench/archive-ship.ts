/**
 * Benchmark of WAL archival (SPEC §7), next to same-run baselines. Not a test.
 *
 * 1. Shipping rate: a data dir of N assertions (the engine's real log) shipped
 *    by `ArchiveShipper` (read frames, zstd, BLAKE3, HEAD + multipart PUT) to
 *    a directory and to a real s3rver; baseline: the very same object bodies
 *    written raw (dir: write + fsync per file; S3: one PutObject each, no HEAD).
 * 2. Lag under load: `stemedb serve --archive-to s3://…` (default 1 s
 *    interval) under a steady batch load for S seconds, sampling
 *    `/v1/health`'s archive lag and backlog every 100 ms; baseline: the same
 *    load against a server without archival (ingest rate ratio).
 *
 *   npx bun tests/bench/archive-ship.ts [--assertions 50000] [--seconds 15]
 */

import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ArchiveShipper } from "../../src/backup/archive-shipper.ts";
import { ARCHIVE_PREFIX } from "../../src/backup/backup-layout.ts";
import type { BackupTarget } from "../../src/backup/backup-target.ts";
import { DirTarget } from "../../src/backup/dir-target.ts";
import { makeS3Client, S3Target } from "../../src/backup/s3-target.ts";
import { dataDirWalSource } from "../../src/backup/wal-source.ts";
import { Engine } from "../../src/engine/engine.ts";
import { segmentLogOf } from "../../src/log/segment-log.ts";
import { silentLogger } from "../../src/logger.ts";
import { prepareAssertion } from "../../src/protocol/prepare.ts";
import { archiveHealth, type Load, startLoad } from "../helpers/archive-load.ts";
import { fastSigner } from "../helpers/fast-sign.ts";
import { S3_BUCKET, startS3rver } from "../helpers/s3rver-process.ts";
import { startServeProcess } from "../helpers/serve-process.ts";

const { values } = parseArgs({
  options: {
    assertions: { type: "string", default: "50000" },
    seconds: { type: "string", default: "15" },
  },
});
const N = Number(values.assertions);
const SECONDS = Number(values.seconds);
const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const MB = 1e6;
const work = mkdtempSync(join(tmpdir(), "stemedb-bench-archive-"));
await using s3 = await startS3rver();
const s3Target = (prefix: string) =>
  new S3Target(
    makeS3Client({ s3ForcePathStyle: true }, s3.env),
    { bucket: S3_BUCKET, prefix: `${prefix}/` },
    s3.url(prefix),
  );

try {
  // The data dir: N assertions through the real engine (group commits of 500).
  const dataDir = join(work, "data");
  const engine = await Engine.open({ dataDir, logger: silentLogger });
  const signer = fastSigner(new Uint8Array(32).fill(7));
  for (let i = 0; i < N; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 500); j++) {
      const a = signer.sign({
        concept: `bench/svc${j % 1000}/api`,
        predicate: "status",
        value: { ok: j % 3 !== 0, n: j },
        ts: 1_767_225_600_000 + j,
      });
      batch.push(
        prepareAssertion(a, {
          nowMs: 1_767_225_900_000,
          maxSkewMs: 300_000,
          maxValueBytes: 16_384,
        }),
      );
    }
    await engine.ingest(batch);
  }
  const logBytes = segmentLogOf(engine.log).stats().bytes;
  await engine.close();
  console.error(`data dir: ${N} assertions, ${(logBytes / MB).toFixed(1)} MB of log`);

  const ship = async (target: BackupTarget) => {
    const started = performance.now();
    const r = await new ArchiveShipper({ target, source: dataDirWalSource(dataDir) }).ship();
    return { ...r, seconds: (performance.now() - started) / 1000 };
  };
  const bodies = async (target: BackupTarget) => {
    const out: { key: string; body: Uint8Array }[] = [];
    for (const o of await target.list(ARCHIVE_PREFIX))
      out.push({ key: o.key, body: (await target.get(o.key)) as Uint8Array });
    return out;
  };

  const rows: string[][] = [];
  const row = (
    what: string,
    r: {
      records: number;
      plainBytes: number;
      storedBytes: number;
      objects: number;
      seconds: number;
    },
    baseSeconds: number,
  ) =>
    rows.push([
      what,
      `${Math.round(r.records / r.seconds)}`,
      (r.plainBytes / MB / r.seconds).toFixed(1),
      (r.storedBytes / MB / r.seconds).toFixed(1),
      `${r.objects}`,
      `${r.seconds.toFixed(2)} s`,
      `${baseSeconds.toFixed(2)} s`,
      (baseSeconds / r.seconds).toFixed(2),
    ]);

  // Three rounds, each target and its raw baseline back to back; medians reported.
  const median = (xs: number[]) =>
    [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
  const client = makeS3Client({ s3ForcePathStyle: true }, s3.env);
  const runs = {
    dir: [] as number[],
    dirRaw: [] as number[],
    s3: [] as number[],
    s3Raw: [] as number[],
  };
  let dirShip: Awaited<ReturnType<typeof ship>> | undefined;
  let s3Ship: Awaited<ReturnType<typeof ship>> | undefined;
  for (let round = 0; round < 3; round++) {
    const dirTarget = new DirTarget(join(work, `dir-archive-${round}`));
    dirShip = await ship(dirTarget);
    runs.dir.push(dirShip.seconds);
    const rawDir = join(work, `raw-dir-${round}`);
    mkdirSync(rawDir);
    const dirBodies = await bodies(dirTarget);
    let t = performance.now();
    for (const [i, b] of dirBodies.entries()) {
      const fd = openSync(join(rawDir, String(i)), "w");
      for (let at = 0; at < b.body.length; ) at += writeSync(fd, b.body, at);
      fsyncSync(fd);
      closeSync(fd);
    }
    runs.dirRaw.push((performance.now() - t) / 1000);

    s3Ship = await ship(s3Target(`ship-${round}`));
    runs.s3.push(s3Ship.seconds);
    const s3Bodies = await bodies(s3Target(`ship-${round}`));
    t = performance.now();
    for (const b of s3Bodies) {
      const key = `raw-${round}/${b.key}`;
      await client.send(
        new PutObjectCommand({
          Bucket: S3_BUCKET,
          Key: key,
          Body: b.body,
          ContentLength: b.body.length,
        }),
      );
    }
    runs.s3Raw.push((performance.now() - t) / 1000);
  }
  if (dirShip === undefined || s3Ship === undefined) throw new Error("no rounds");
  row("dir target", { ...dirShip, seconds: median(runs.dir) }, median(runs.dirRaw));
  row("s3rver target", { ...s3Ship, seconds: median(runs.s3) }, median(runs.s3Raw));

  console.log(
    `\nShipping ${N} assertions, median of 3 rounds (${(dirShip.plainBytes / MB).toFixed(1)} MB of frames, zstd to ${(dirShip.storedBytes / MB).toFixed(1)} MB):\n`,
  );
  console.log(
    "| target | records/s | plain MB/s | stored MB/s | objects | ship time | raw write of the same objects | ratio (raw time ÷ ship time) |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);

  // 2. Lag under load, and the ingest cost of archival.
  const loadRun = async (archive: boolean) => {
    const dir = join(work, archive ? "serve-archive" : "serve-plain");
    const args = ["--data-dir", dir, "--port", "0"];
    if (archive) args.push("--archive-to", s3.url("live"));
    const server = await startServeProcess(process.execPath, args, {
      cwd: work,
      script: MAIN,
      env: s3.env,
    });
    const loads: Load[] = [startLoad(server.url, 200), startLoad(server.url, 200)];
    const lags: number[] = [];
    let backlogMax = 0;
    const started = performance.now();
    while (performance.now() - started < SECONDS * 1000) {
      await Bun.sleep(100);
      if (archive) {
        const a = await archiveHealth(server.url);
        lags.push(a.lag_seconds);
        backlogMax = Math.max(backlogMax, a.backlog_records);
      }
    }
    for (const l of loads) await l.stop();
    const acked = loads.reduce((s, l) => s + l.acked, 0);
    const rate = acked / ((performance.now() - started) / 1000);
    let caughtUpMs = 0;
    if (archive) {
      const t0 = performance.now();
      while ((await archiveHealth(server.url)).backlog_records > 0) await Bun.sleep(20);
      caughtUpMs = performance.now() - t0;
    }
    await server.stop("SIGTERM");
    lags.sort((a, b) => a - b);
    return { rate, lags, backlogMax, caughtUpMs };
  };
  const plain = await loadRun(false);
  const archived = await loadRun(true);
  const q = (p: number) =>
    archived.lags[Math.min(archived.lags.length - 1, Math.floor(p * archived.lags.length))] ?? 0;
  console.log(
    `\nLag under load (${SECONDS} s, 2 loaders × batches of 200, archive every 1000 ms to s3rver):\n`,
  );
  console.log("| figure | value |");
  console.log("|---|---|");
  console.log(`| ingest with archival | ${Math.round(archived.rate)} assertions/s |`);
  console.log(
    `| ingest without archival (baseline, same run) | ${Math.round(plain.rate)} assertions/s |`,
  );
  console.log(`| ratio | ${(archived.rate / plain.rate).toFixed(2)} |`);
  console.log(
    `| archive lag p50 / p90 / max | ${q(0.5).toFixed(2)} / ${q(0.9).toFixed(2)} / ${(archived.lags.at(-1) ?? 0).toFixed(2)} s |`,
  );
  console.log(`| backlog max | ${archived.backlogMax} records |`);
  console.log(
    `| backlog shipped after the load stopped in | ${(archived.caughtUpMs / 1000).toFixed(2)} s |`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
