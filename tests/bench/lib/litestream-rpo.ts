/**
 * The Litestream side of tests/bench/backup-rpo-rto.ts (SPEC §11: v0.3.13
 * from npm `@flydotio/litestream-linux-x64`, an optional dependency: the
 * wrapper package names other platforms' binaries this registry lacks, so
 * `npm ci` could not use it; it cannot list its generations back from
 * s3rver, so it replicates to a file replica): litestream-writer.ts takes the
 * same rows in the same batches at StemeDB's measured rate into an equivalent
 * SQLite database while `litestream replicate` ships it (sync interval = the
 * archive interval); both are SIGKILLed once `killAt` rows are acknowledged;
 * then `litestream restore` rebuilds the database from the replica. RPO = rows
 * acknowledged but not restored; RTO = the restore (the database is then
 * ready to open).
 */
import { Database } from "bun:sqlite";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { progress } from "./progress.ts";
import { spawnLines } from "./spawn-line.ts";
import type { RpoRto } from "./stemedb-rpo.ts";

export const LITESTREAM = join(
  import.meta.dir,
  `../../../node_modules/@flydotio/litestream-${process.platform}-${process.arch}/litestream`,
);
const WRITER = join(import.meta.dir, "../litestream-writer.ts");

export function litestreamVersion(): string {
  return Bun.spawnSync([LITESTREAM, "version"]).stdout.toString().trim();
}

export async function runLitestream(o: {
  n: number;
  batch: number;
  now: number;
  rate: number;
  killAt: number;
  intervalMs: number;
  dir: string;
}): Promise<RpoRto> {
  const db = join(o.dir, "state.sqlite");
  const replica = join(o.dir, "replica");
  const config = join(o.dir, "litestream.yml");
  writeFileSync(
    config,
    `dbs:\n  - path: ${db}\n    replicas:\n      - type: file\n        path: ${replica}\n        sync-interval: ${o.intervalMs}ms\n`,
  );
  const writer = spawnLines([
    process.execPath,
    WRITER,
    db,
    String(o.n),
    String(o.batch),
    String(o.now),
    String(o.rate),
  ]);
  await writer.waitFor(/^ready$/);
  const litestream = spawnLines([LITESTREAM, "replicate", "-config", config]);
  await litestream.waitFor(/initialized db|replicating to/);

  const ackAt: number[] = []; // [rows acknowledged, time] per commit
  let acked = 0;
  let killTime = 0;
  const killed = new Promise<void>((resolve) => {
    writer.onLine((line) => {
      const m = /^acked (\d+)$/.exec(line);
      if (m === null || killTime > 0) return;
      acked = Number(m[1]);
      ackAt.push(acked, Date.now());
      if (acked >= o.killAt) {
        killTime = Date.now();
        writer.proc.kill("SIGKILL");
        litestream.proc.kill("SIGKILL");
        resolve();
      }
    });
  });
  const started = performance.now();
  writer.proc.stdin.write("go\n");
  writer.proc.stdin.flush();
  await killed;
  await Promise.all([writer.kill(), litestream.kill()]);
  const loadSeconds = (performance.now() - started) / 1000;
  progress(`Litestream: ${acked} rows acknowledged in ${loadSeconds.toFixed(1)} s, then SIGKILL`);

  const out = join(o.dir, "restored.sqlite");
  const t0 = performance.now();
  const r = Bun.spawnSync([LITESTREAM, "restore", "-o", out, `file://${replica}`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const restoreSeconds = (performance.now() - t0) / 1000;
  if (r.exitCode !== 0) throw new Error(`litestream restore failed: ${r.stderr.toString()}`);
  const t1 = performance.now();
  const restoredDb = new Database(out, { readonly: true });
  const restored = (
    restoredDb.query("SELECT coalesce(max(seq), 0) AS n FROM assertions").get() as { n: number }
  ).n;
  restoredDb.close();
  const readySeconds = (performance.now() - t1) / 1000;
  progress(`Litestream: restored ${restored} rows in ${restoreSeconds.toFixed(2)} s`);

  let firstLost = 0;
  for (let i = 0; i < ackAt.length; i += 2) {
    if ((ackAt[i] as number) > restored) {
      firstLost = ackAt[i + 1] as number;
      break;
    }
  }
  const lost = Math.max(0, acked - restored);
  return {
    acked,
    restored,
    lost,
    lossWindowSeconds: lost === 0 ? 0 : (killTime - firstLost) / 1000,
    loadRate: Math.round(acked / loadSeconds),
    restoreSeconds,
    readySeconds,
    rtoSeconds: restoreSeconds + readySeconds,
  };
}
