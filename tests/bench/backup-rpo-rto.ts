/**
 * RPO and RTO of continuous archival, measured side by side with Litestream
 * (issue 8, SPEC §7, §11):
 *
 *   bun tests/bench/backup-rpo-rto.ts [--assertions N] [--kill-at F] [--interval-ms MS]
 *                                     [--concurrency C] [--rate R] [--backup-at B] [--archive-sync]
 *                                     [--out DIR]
 *
 * N assertions (default 1,000,000) are built once (lib/dataset.ts). StemeDB:
 * `serve --archive-to s3://…` on a real s3rver, loaded with batches of 1000
 * (offered as fast as it answers, or at R assertions/s with --rate) until F·N
 * (default 0.6) are acknowledged, SIGKILLed, restored from the archive alone
 * (or, with --backup-at B, from an online `stemedb backup` taken once B·N were
 * acknowledged plus the archive after it), served until ready
 * (lib/stemedb-rpo.ts).
 * Litestream: the same rows at StemeDB's measured rate into an equivalent
 * SQLite database replicated to a file replica, both SIGKILLed at the same
 * count, restored (lib/litestream-rpo.ts). Prints a table; writes
 * `<out>/backup-rpo-rto-<date>-<sha>-<N>.json`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startS3rver } from "../helpers/s3rver-process.ts";
import { onCleanup, runCleanups } from "./lib/cleanup.ts";
import { AgentPool, buildDataset } from "./lib/dataset.ts";
import { litestreamVersion, runLitestream } from "./lib/litestream-rpo.ts";
import { progress } from "./lib/progress.ts";
import { runStemeDb } from "./lib/stemedb-rpo.ts";

const { values } = parseArgs({
  options: {
    assertions: { type: "string", default: "1000000" },
    "kill-at": { type: "string", default: "0.6" },
    "interval-ms": { type: "string", default: "1000" },
    concurrency: { type: "string", default: "4" },
    rate: { type: "string", default: "0" },
    "backup-at": { type: "string", default: "0" },
    // The live server answers writes only once the archive holds them (STEMEDB_ARCHIVE_SYNC).
    "archive-sync": { type: "boolean", default: false },
    out: { type: "string", default: join(import.meta.dir, "results") },
  },
});
const n = Number(values.assertions);
const killAt = Math.floor(n * Number(values["kill-at"]));
const intervalMs = Number(values["interval-ms"]);
const BATCH = 1000;

try {
  const work = mkdtempSync(join(tmpdir(), "stemedb-bench-rpo-"));
  onCleanup("work dir", () => rmSync(work, { recursive: true, force: true }));
  const s3 = await startS3rver();
  onCleanup("s3rver", async () => {
    await s3[Symbol.asyncDispose]();
  });
  const now = Date.now();
  progress(`signing ${n} assertions`);
  const batches = buildDataset(n, BATCH, new AgentPool(1000), now);

  const steme = await runStemeDb({
    batches,
    n,
    killAt,
    concurrency: Number(values.concurrency),
    rate: Number(values.rate),
    backupAt: Math.floor(n * Number(values["backup-at"])),
    intervalMs,
    archiveSync: values["archive-sync"] === true,
    dir: join(work, "stemedb"),
    archiveUrl: s3.url("bench"),
    env: s3.env,
  });
  batches.length = 0; // free the memory before the second run
  mkdirSync(join(work, "litestream"));
  const lite = await runLitestream({
    n,
    batch: BATCH,
    now,
    rate: steme.loadRate,
    killAt,
    intervalMs,
    dir: join(work, "litestream"),
  });

  const version = litestreamVersion();
  const rows: [string, string | number, string | number][] = [
    ["write rate (acknowledged/s)", steme.loadRate, lite.loadRate],
    ["acknowledged before SIGKILL", steme.acked, lite.acked],
    ["restored", steme.restored, lite.restored],
    ["RPO: acknowledged writes lost", steme.lost, lite.lost],
    ["RPO: loss window (s)", steme.lossWindowSeconds.toFixed(2), lite.lossWindowSeconds.toFixed(2)],
    ["restore (s)", steme.restoreSeconds.toFixed(2), lite.restoreSeconds.toFixed(2)],
    ["start until ready (s)", steme.readySeconds.toFixed(2), lite.readySeconds.toFixed(2)],
    ["RTO (s)", steme.rtoSeconds.toFixed(2), lite.rtoSeconds.toFixed(2)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  const lines = [
    `N = ${n}, SIGKILL at ${killAt} acknowledged, archive / sync interval ${intervalMs} ms, ` +
      `offered ${values.rate === "0" ? "as fast as answered" : `${values.rate}/s`}`,
    `${"".padEnd(w)}  ${"StemeDB → s3rver".padStart(18)}  ${`Litestream ${version} → file`.padStart(28)}`,
    ...rows.map(
      ([k, a, b]) => `${k.padEnd(w)}  ${String(a).padStart(18)}  ${String(b).padStart(28)}`,
    ),
    ...(steme.backup === null
      ? ["StemeDB restored from the archive alone"]
      : [
          `StemeDB restored from an online backup at tree_size ${steme.backup.treeSize} ` +
            `(taken under load in ${steme.backup.seconds.toFixed(1)} s, ${steme.backup.storedBytes} bytes) plus the archive`,
        ]),
    `StemeDB restored root = the killed server's own root at that size: ${steme.consistent} ` +
      `(its local log held ${steme.localTreeSize})`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);

  const sha = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: import.meta.dir })
    .stdout.toString()
    .trim();
  const date = new Date().toISOString().slice(0, 10);
  mkdirSync(values.out as string, { recursive: true });
  const file = join(values.out as string, `backup-rpo-rto-${date}-${sha}-${n}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        n,
        killAt,
        intervalMs,
        rate: Number(values.rate),
        backupAt: Number(values["backup-at"]),
        machine: { nproc: navigator.hardwareConcurrency, loadavg: loadavg() },
        litestream: version,
        stemedb: steme,
        litestreamRun: lite,
      },
      null,
      2,
    )}\n`,
  );
  progress(`wrote ${file}`);
  if (!steme.consistent) process.exitCode = 1;
} finally {
  await runCleanups();
}
