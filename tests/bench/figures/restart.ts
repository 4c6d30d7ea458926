/**
 * Restart after a crash (SPEC §9: ready in ≤ 5 s at 1,000,000 assertions): the
 * server process is SIGKILLed, a new one is spawned on the same data dir, and
 * the time runs from the spawn until `/v1/health/ready` answers 200 — process
 * start, engine open (log scan, SQLite open, replay of any unapplied tail,
 * Merkle state) and binding the port included. The engine's own recovery
 * time comes from `/v1/health`.
 */
import { progress } from "../lib/progress.ts";
import type { ServerProcess } from "../lib/server-process.ts";

export interface Restart {
  readySeconds: number;
  engineOpenMs: number;
  replayedRecords: number;
  treeSize: number;
}

export async function measureRestart(
  running: ServerProcess,
  start: () => Promise<ServerProcess>,
): Promise<{ restart: Restart; server: ServerProcess }> {
  await running.kill();
  const t0 = performance.now();
  const server = await start();
  await server.waitReady();
  const readySeconds = (performance.now() - t0) / 1000;
  const health = (await (await fetch(`${server.url}/v1/health`)).json()) as {
    tree_size: number;
    recovery: { millis: number; replayed_records: number };
  };
  const restart: Restart = {
    readySeconds: Math.round(readySeconds * 1000) / 1000,
    engineOpenMs: health.recovery.millis,
    replayedRecords: health.recovery.replayed_records,
    treeSize: health.tree_size,
  };
  progress(
    `restart after SIGKILL: ready in ${restart.readySeconds} s (engine open ${restart.engineOpenMs} ms, ${restart.replayedRecords} records replayed, tree size ${restart.treeSize})`,
  );
  return { restart, server };
}
