/**
 * The HTTP floor H of SPEC §9: `bare-server.ts` (a bare `Bun.serve`) under the
 * same wrk load as the StemeDB figure it bounds — the same item list (query
 * URLs for GET, signed bodies for POST), method, path, connections and
 * duration — with its CPU per request. Started for the run and stopped after.
 */
import { join } from "node:path";
import { type MeasuredWrk, measuredWrk } from "../lib/measured-wrk.ts";
import { progress } from "../lib/progress.ts";
import { BENCH_DIR, ServerProcess } from "../lib/server-process.ts";
import type { WrkOptions } from "../lib/wrk.ts";

export async function measureHttpFloor(options: Omit<WrkOptions, "baseUrl">): Promise<MeasuredWrk> {
  progress(`H (bare Bun.serve): ${options.method} from ${options.connections} connections`);
  const bare = await ServerProcess.start({ script: join(BENCH_DIR, "bare-server.ts") });
  try {
    const run = await measuredWrk(bare.pid, { ...options, baseUrl: bare.url });
    if (run.wrk.errors > 0) throw new Error(`bare server: ${run.wrk.errors} failed answers`);
    progress(
      `  H_${options.method.toLowerCase()} ${run.wrk.rate}/s, ${run.cpuUsPerRequest} µs CPU/request`,
    );
    return run;
  } finally {
    await bare.stop();
  }
}
