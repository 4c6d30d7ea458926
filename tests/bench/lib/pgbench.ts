/**
 * Query rate of PostgreSQL with `pgbench` and a custom script: the same
 * shape of load as wrk against StemeDB — one client thread (`-j 1`), 64
 * connections each running one query after another (`-c 64`), prepared
 * statements, for a fixed time. Connection set-up is excluded from the rate.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Postgres } from "./postgres.ts";
import { progress } from "./progress.ts";
import { runTracked } from "./run-tracked.ts";

export interface PgbenchResult {
  rate: number;
  transactions: number;
  latencyMeanMs: number;
  failed: number;
}

export async function runPgbench(
  pg: Postgres,
  scriptFile: string,
  script: string,
  options: { connections: number; seconds: number },
): Promise<PgbenchResult> {
  writeFileSync(scriptFile, script);
  // On a saturated machine 64 connections can take the whole of a short run to
  // open, and pgbench then reports no rate: run again, twice as long, twice at most.
  for (let seconds = options.seconds; ; seconds *= 2) {
    try {
      return await runOnce(pg, scriptFile, { ...options, seconds });
    } catch (e) {
      if (seconds >= options.seconds * 4 || !String(e).includes("actually processed: 0")) throw e;
      progress(
        `  pgbench processed nothing in ${seconds} s (connections still opening); again for ${seconds * 2} s`,
      );
    }
  }
}

async function runOnce(
  pg: Postgres,
  scriptFile: string,
  options: { connections: number; seconds: number },
): Promise<PgbenchResult> {
  const argv = [
    join(pg.pgBin, "pgbench"),
    "--no-vacuum",
    "--protocol=prepared",
    `--client=${options.connections}`,
    "--jobs=1",
    `--time=${options.seconds}`,
    `--file=${scriptFile}`,
    "--host=127.0.0.1",
    `--port=${pg.port}`,
    `--username=${pg.user}`,
    pg.database,
  ];
  const { out, err, code } = await runTracked(argv);
  const tps = /^tps = ([\d.]+) \(without initial connection time\)/m.exec(out)?.[1];
  if (code !== 0 || tps === undefined) {
    throw new Error(`pgbench failed (exit ${code}): ${err.slice(-1500)}\n${out.slice(-1000)}`);
  }
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN);
  const result: PgbenchResult = {
    rate: Math.round(Number(tps)),
    transactions: num(/^number of transactions actually processed: (\d+)/m),
    latencyMeanMs: num(/^latency average = ([\d.]+) ms/m),
    failed: num(/^number of failed transactions: (\d+)/m) || 0,
  };
  progress(`  pgbench ${result.rate}/s, mean latency ${result.latencyMeanMs} ms`);
  return result;
}
