/**
 * The StemeDB side of tests/bench/backup-rpo-rto.ts: `stemedb serve` (from
 * source, `src/main.ts`) with continuous archival to s3rver, loaded with the
 * dataset's batches (`concurrency` in flight), SIGKILLed once `killAt`
 * assertions are acknowledged; then `stemedb restore` from the archive alone
 * into a fresh dir and `stemedb serve` on it until ready. RPO = acknowledged
 * writes the restore lacks (and how long before the kill the first of them was
 * acknowledged); RTO = restore + start until ready. The killed server's own
 * data dir, reopened, must agree with the restored root at the restored size.
 */
import { join } from "node:path";
import { Engine } from "../../../src/engine/engine.ts";
import { toHex } from "../../../src/hex.ts";
import { silentLogger } from "../../../src/logger.ts";
import type { Batch } from "./dataset.ts";
import { progress } from "./progress.ts";
import { spawnLines } from "./spawn-line.ts";

const REPO = join(import.meta.dir, "../../..");
const MAIN = join(REPO, "src/main.ts");

export interface RpoRto {
  acked: number;
  restored: number;
  lost: number;
  lossWindowSeconds: number;
  loadRate: number;
  restoreSeconds: number;
  readySeconds: number;
  rtoSeconds: number;
}

export interface StemeRun extends RpoRto {
  /** What the killed server had durably in its own log (reopened after the kill). */
  localTreeSize: number;
  consistent: boolean;
  /** The restore's own split (plan + fetch + verify + stage, then place + replay), inside restoreSeconds. */
  restoreMillis: { verify: number; replay: number; total: number };
  /** The online snapshot taken during the load (--backup-at), if any. */
  backup: BackupFigures | null;
}

export interface BackupFigures {
  treeSize: number;
  storedBytes: number;
  seconds: number;
}

async function serve(args: string[], env: Record<string, string>) {
  const p = spawnLines([process.execPath, MAIN, "serve", "--port", "0", ...args], env);
  const url = (await p.waitFor(/listening on (http:\/\/\S+)/))[1] as string;
  return { ...p, url };
}

export async function runStemeDb(o: {
  batches: Batch[];
  n: number;
  killAt: number;
  /** Take an online `stemedb backup` (a snapshot) once this many are acknowledged; 0 = none. */
  backupAt: number;
  concurrency: number;
  /** Assertions per second to offer (0: as fast as the server answers). */
  rate: number;
  intervalMs: number;
  /** `--archive-sync true` on the live server: writes answered once archived. */
  archiveSync: boolean;
  dir: string;
  archiveUrl: string;
  env: Record<string, string>;
}): Promise<StemeRun> {
  const liveDir = join(o.dir, "live");
  const server = await serve(
    [
      "--data-dir",
      liveDir,
      "--archive-to",
      o.archiveUrl,
      "--archive-interval-ms",
      String(o.intervalMs),
      ...(o.archiveSync ? ["--archive-sync", "true"] : []),
    ],
    o.env,
  );
  const ackAt = new Float64Array(o.n + 1); // ms since the epoch; 0 = not acknowledged
  let acked = 0;
  let next = 0;
  let killed = false;
  let killTime = 0;
  const started = performance.now();
  let backup: Promise<BackupFigures> | undefined;
  const takeBackup = async (): Promise<BackupFigures> => {
    const t = performance.now();
    // Asynchronous: the load keeps going while the backup runs beside the server.
    const proc = Bun.spawn(
      [process.execPath, MAIN, "backup", "--data-dir", liveDir, "--to", o.archiveUrl, "--json"],
      { env: { ...process.env, ...o.env }, stdout: "pipe", stderr: "pipe" },
    );
    const [code, stdout, stderr] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    if (code !== 0) throw new Error(`backup failed: ${stderr}`);
    const summary = JSON.parse(stdout) as { tree_size: number; stored_bytes: number };
    const seconds = (performance.now() - t) / 1000;
    progress(`StemeDB: online backup at tree_size ${summary.tree_size} in ${seconds.toFixed(1)} s`);
    return { treeSize: summary.tree_size, storedBytes: summary.stored_bytes, seconds };
  };
  const kill = async () => {
    if (killed) return;
    killed = true;
    killTime = Date.now();
    await server.kill();
  };
  const worker = async () => {
    while (!killed && next < o.batches.length) {
      const index = next++;
      const batch = o.batches[index] as Batch;
      if (o.rate > 0) {
        const wait = started + ((index * batch.count) / o.rate) * 1000 - performance.now();
        if (wait > 0) await Bun.sleep(wait);
      }
      let body: { results: { seq?: number; status: string }[] };
      try {
        const res = await fetch(`${server.url}/v1/assert`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: batch.body,
        });
        body = (await res.json()) as typeof body;
      } catch {
        return; // the server is gone
      }
      // An answer is an acknowledgement, even one that raced the kill signal.
      const now = Date.now();
      for (const r of body.results) {
        if (r.seq !== undefined && r.status !== "rejected") {
          ackAt[r.seq] = now;
          acked++;
        }
      }
      if (o.backupAt > 0 && acked >= o.backupAt && backup === undefined) backup = takeBackup();
      if (acked >= o.killAt) await kill();
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  await kill();
  const backupFigures = backup === undefined ? null : await backup;
  const loadSeconds = (performance.now() - started) / 1000;
  progress(`StemeDB: ${acked} acknowledged in ${loadSeconds.toFixed(1)} s, then SIGKILL`);

  const restoredDir = join(o.dir, "restored");
  const t0 = performance.now();
  const restore = Bun.spawnSync(
    [
      process.execPath,
      MAIN,
      "restore",
      "--from",
      o.archiveUrl,
      "--data-dir",
      restoredDir,
      "--json",
    ],
    { env: { ...process.env, ...o.env }, stdout: "pipe", stderr: "pipe" },
  );
  const restoreSeconds = (performance.now() - t0) / 1000;
  if (restore.exitCode !== 0) throw new Error(`restore failed: ${restore.stderr.toString()}`);
  const report = JSON.parse(restore.stdout.toString()) as {
    staged: { tree_size: number };
    root: string;
    millis: StemeRun["restoreMillis"];
  };
  const t1 = performance.now();
  const restoredServer = await serve(["--data-dir", restoredDir], {});
  for (;;) {
    const res = await fetch(`${restoredServer.url}/v1/health/ready`);
    await res.arrayBuffer();
    if (res.status === 200) break;
  }
  const readySeconds = (performance.now() - t1) / 1000;
  await restoredServer.kill();
  const restored = report.staged.tree_size;
  progress(
    `StemeDB: restored ${restored} in ${restoreSeconds.toFixed(2)} s, ready ${readySeconds.toFixed(2)} s later`,
  );

  let lost = 0;
  let firstLost = Number.POSITIVE_INFINITY;
  for (let seq = restored + 1; seq <= o.n; seq++) {
    const at = ackAt[seq] as number;
    if (at > 0) {
      lost++;
      firstLost = Math.min(firstLost, at);
    }
  }
  const local = await Engine.open({ dataDir: liveDir, logger: silentLogger });
  const localTreeSize = local.tree.size;
  const consistent = restored <= localTreeSize && toHex(local.tree.root(restored)) === report.root;
  await local.close();
  return {
    acked,
    restored,
    lost,
    lossWindowSeconds: lost === 0 ? 0 : (killTime - firstLost) / 1000,
    loadRate: Math.round(acked / loadSeconds),
    restoreSeconds,
    readySeconds,
    rtoSeconds: restoreSeconds + readySeconds,
    localTreeSize,
    consistent,
    restoreMillis: report.millis,
    backup: backupFigures,
  };
}
