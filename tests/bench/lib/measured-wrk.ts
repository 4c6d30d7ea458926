/**
 * One wrk run with the server's CPU cost per request (SPEC §9: "every figure
 * with the server's CPU per operation"): utime + stime of the server process
 * (all its threads, /proc/<pid>/stat) before and after the run, divided by the
 * requests wrk completed.
 */
import { cpuSeconds } from "./proc-stats.ts";
import { runWrk, type WrkOptions, type WrkResult } from "./wrk.ts";

export interface MeasuredWrk {
  wrk: WrkResult;
  /** Server CPU µs per request (all threads). */
  cpuUsPerRequest: number;
  /** Server CPU seconds per wall second during the run (2.0 = both cores). */
  serverCores: number;
}

/** `serverPid` undefined: no CPU figures (NaN). */
export async function measuredWrk(
  serverPid: number | undefined,
  options: WrkOptions,
): Promise<MeasuredWrk> {
  const cpuNow = () => (serverPid === undefined ? Number.NaN : cpuSeconds(serverPid));
  const cpu0 = cpuNow();
  const wrk = await runWrk(options);
  const cpu = cpuNow() - cpu0;
  return {
    wrk,
    cpuUsPerRequest: perOpUs(cpu, wrk.requests),
    serverCores: Math.round((cpu / wrk.seconds) * 100) / 100,
  };
}

/** CPU µs per operation, one decimal (NaN when nothing was done). */
export function perOpUs(cpuSeconds: number, ops: number): number {
  return ops > 0 ? Math.round((cpuSeconds / ops) * 1e7) / 10 : Number.NaN;
}
