/**
 * The cost of one redaction (SPEC §12) on a state of N assertions (default
 * 100,000): an engine on a temp dir (10 MiB segments, as in production) takes
 * N assertions in groups of 1000, then an operator redacts the one at seq N/2
 * (its segment sealed, as a redaction of an older assertion usually finds it).
 * Reports the redaction's group commit (plan, log append + fsync, apply with
 * the secure delete), the scrub's log part (find the frame, rewrite its
 * segment through a temp file, fsyncs, rename) and its WAL truncation, and
 * checks afterwards that no file of the data dir holds the target's value.
 *
 * With `--archive`, the log is first shipped to a local directory URL
 * (ArchiveShipper, as `serve --archive-to` does) and a snapshot taken there
 * (`stemedb backup`); after each redaction the archive scrub job's pass is
 * timed (every archive object read, the one holding the frame replaced, the
 * snapshot rebuilt), then a fresh job's pass — a restarted server, which reads
 * only what its URL's scrub confirmation does not cover — and no object of the
 * URL may hold the marker. A directory URL measures the CPU and disk work, not
 * an S3 store's network.
 *
 *   bun tests/bench/redaction-cost.ts [--rows 100000] [--redactions 5] [--archive]
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DirTarget } from "../../src/backup/dir-target.ts";
import { takeBackup } from "../../src/backup/take-backup.ts";
import { Engine } from "../../src/engine/engine.ts";
import { segmentLogOf } from "../../src/log/segment-log.ts";
import { memoryLogger, silentLogger } from "../../src/logger.ts";
import { loadOrCreateNodeKey } from "../../src/merkle/node-key.ts";
import type { JsonValue } from "../../src/protocol/assertion.ts";
import { prepareAssertion } from "../../src/protocol/prepare.ts";
import { ArchiveScrubJob } from "../../src/redaction/archive-scrub-job.ts";
import { filesHolding, objectsHolding } from "../helpers/byte-search.ts";
import { fastSigner } from "../helpers/fast-sign.ts";
import { shipDataDir } from "../helpers/ship-data-dir.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    redactions: { type: "string", default: "5" },
    archive: { type: "boolean", default: false },
  },
});
const rows = Number(values.rows);
const rounds = Number(values.redactions);
const dir = mkdtempSync(join(tmpdir(), "stemedb-redaction-cost-"));
try {
  const engine = await Engine.open({ dataDir: dir, logger: silentLogger });
  const writer = fastSigner(crypto.getRandomValues(new Uint8Array(32)));
  const operator = fastSigner(crypto.getRandomValues(new Uint8Array(32)));
  await engine.updateAgent({ agent: operator.agent, role: "operator" });
  const limits = () => ({ nowMs: Date.now() + 60_000, maxSkewMs: 300_000, maxValueBytes: 16_384 });
  const markers: { id: string; marker: string }[] = [];
  const targets = new Set(
    Array.from({ length: rounds }, (_, i) => Math.floor((rows * (i + 1)) / (rounds + 1))),
  );
  const started = performance.now();
  for (let from = 0; from < rows; from += 1000) {
    const items = Array.from({ length: Math.min(1000, rows - from) }, (_, i) => {
      const n = from + i;
      const marker = targets.has(n) ? `MARKER-${crypto.randomUUID()}` : undefined;
      const value: JsonValue = marker
        ? { email: `${marker}@example.com` }
        : { n, note: "x".repeat(100) };
      const a = writer.sign({
        concept: `bench/k${n % 5000}`,
        predicate: "p",
        value,
        ts: Date.now(),
      });
      return { prepared: prepareAssertion(a, limits()), marker };
    });
    const r = await engine.ingest(items.map((x) => x.prepared));
    items.forEach((x, i) => {
      if (x.marker) markers.push({ id: (r.outcomes[i] as { id: string }).id, marker: x.marker });
    });
  }
  const loadS = (performance.now() - started) / 1000;
  const archive = values.archive ? await archiveOf(engine, dir) : undefined;
  const runs: Record<string, number>[] = [];
  const failures: string[] = [];
  for (const { id, marker } of markers) {
    const t0 = performance.now();
    const red = operator.sign({
      concept: "_stemedb/redactions",
      predicate: "redacts",
      value: { target: id, reason: "bench" },
      ts: Date.now(),
    });
    await engine.ingest([prepareAssertion(red, limits())]);
    const applyMs = performance.now() - t0;
    const scrub = await engine.redactions.scrub();
    const totalMs = performance.now() - t0;
    // Reported, then failed at the end, so the other figures are still printed.
    for (const file of filesHolding(dir, marker)) failures.push(`${marker} still in ${file}`);
    runs.push({
      apply_ms: round(applyMs),
      log_ms: round(scrub.logMillis),
      wal_truncate_ms: round(scrub.checkpointMillis),
      total_ms: round(totalMs),
      ...(archive === undefined ? {} : await archive.scrub(marker)),
    });
  }
  const stats = segmentLogOf(engine.log).stats();
  await engine.close();
  const median = (k: string) => {
    const xs = runs.map((r) => r[k] as number).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  };
  console.log(
    JSON.stringify(
      {
        rows,
        load_seconds: round(loadS),
        segments: stats.segments,
        log_bytes: stats.bytes,
        runs,
        failures,
        archive: archive?.shape,
        median: {
          apply_ms: median("apply_ms"),
          log_ms: median("log_ms"),
          wal_truncate_ms: median("wal_truncate_ms"),
          total_ms: median("total_ms"),
          ...(archive === undefined
            ? {}
            : {
                archive_scrub_ms: median("archive_scrub_ms"),
                archive_scrub_cpu_ms: median("archive_scrub_cpu_ms"),
                archive_restart_ms: median("archive_restart_ms"),
              }),
        },
      },
      null,
      2,
    ),
  );
  if (failures.length > 0) throw new Error(failures.join("; "));
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}-url`, { recursive: true, force: true });
}

/** The log shipped to a directory URL with a snapshot; `scrub` times the archive job's passes. */
async function archiveOf(engine: Engine, dataDir: string) {
  const target = new DirTarget(`${dataDir}-url`);
  const ship = () => shipDataDir(target, dataDir);
  await ship();
  await takeBackup({ dataDir, target, version: "bench" });
  const signer = loadOrCreateNodeKey(dataDir).signer;
  const pass = async () => {
    const logger = memoryLogger();
    const job = new ArchiveScrubJob({
      state: engine.state,
      open: async () => target,
      logger,
      intervalMs: 3_600_000,
      signer,
    });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await job.run();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const done = logger.lines.find((l) => l.msg.startsWith("archive URL scrubbed"));
    if (done === undefined)
      throw new Error(`archive scrub failed: ${JSON.stringify(logger.lines)}`);
    const report = done.ctx as {
      objects: number;
      snapshots_rebuilt: number;
      archive_ms: number;
      snapshots_ms: number;
    };
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, report };
  };
  const objects = await target.list("archive/");
  return {
    shape: {
      archive_objects: objects.length,
      archive_bytes: objects.reduce((n, o) => n + o.size, 0),
    },
    async scrub(marker: string) {
      await ship(); // the redaction (and the stub) shipped, as the server's archiver does
      const full = await pass();
      const restart = await pass();
      const left = objectsHolding(target.url, marker);
      if (left.length > 0) throw new Error(`marker still in ${left.join(", ")}`);
      return {
        archive_scrub_ms: round(full.ms),
        archive_scrub_cpu_ms: round(full.cpuMs),
        archive_objects_ms: full.report.archive_ms,
        snapshots_ms: full.report.snapshots_ms,
        archive_objects_read: full.report.objects,
        snapshots_rebuilt: full.report.snapshots_rebuilt,
        archive_restart_ms: round(restart.ms),
        archive_restart_cpu_ms: round(restart.cpuMs),
        archive_restart_objects_read: restart.report.objects,
      };
    },
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
