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
