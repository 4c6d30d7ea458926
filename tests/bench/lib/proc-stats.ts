/** Figures read from /proc (Linux): a process's RSS and CPU time, the load average. */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";

/** VmRSS of `pid` in bytes (SPEC §9 "RSS ≤ 300 MB"). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** User + system CPU seconds consumed so far by `pid` (its threads included). */
export function cpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** The same for `pid`'s main thread alone (the JavaScript main thread: the engine's). */
export function mainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

export function loadAverage(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = loadavg();
  return [round2(a), round2(b), round2(c)];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Waits until `pid` has settled after a load (its WAL checkpoint, GC): its CPU
 * over a 250 ms window under 10% of a core, at most `maxSeconds`. Returns the
 * seconds waited (the next figure should not pay for the last one's tail).
 */
export async function waitIdle(pid: number, maxSeconds = 30): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < maxSeconds * 1000) {
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    await Bun.sleep(250); // the sampling window itself, not a wait for a condition
    const busy = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
    if (busy < 0.1) break;
  }
  return round2((performance.now() - started) / 1000);
}
