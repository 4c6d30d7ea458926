/**
 * Drives `wrk` (SPEC §9: the load generator, one thread on the same 2 cores as
 * the server). Requests come from a Lua table file of distinct items — request
 * bodies for POST, paths for GET — that `cycle.lua` pre-formats in `init` and
 * hands out in turn from `request()`; its `done()` prints one `WRK_JSON` line
 * with the counts and the client-side latency percentiles, parsed here.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { progress } from "./progress.ts";
import { runTracked } from "./run-tracked.ts";

const CYCLE_LUA = join(import.meta.dir, "cycle.lua");

export interface WrkResult {
  requests: number;
  seconds: number;
  /** Requests per second, all answers counted. */
  rate: number;
  /** Answers with status ≥ 400, plus socket errors and timeouts. */
  errors: number;
  /** Times the item list ran out and started over (repeated bodies). */
  wraps: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
}

export interface WrkOptions {
  wrk: string;
  baseUrl: string;
  /** A Lua file `return { [==[item]==], … }` written by `writeLuaItems`. */
  itemsFile: string;
  method: "GET" | "POST";
  /** For POST: the path every body goes to. */
  path?: string;
  connections: number;
  seconds: number;
}

/** Writes `items` as a Lua table file (long-bracket strings: no escaping). */
export function writeLuaItems(file: string, items: readonly string[]): void {
  const parts = ["return {\n"];
  for (const item of items) {
    if (item.includes("]==]")) throw new Error(`item cannot be written as a Lua long string`);
    parts.push("[==[", item, "]==],\n");
  }
  parts.push("}\n");
  writeFileSync(file, parts.join(""));
}

export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    options.wrk,
    "--threads",
    "1",
    "--connections",
    String(options.connections),
    "--duration",
    `${options.seconds}s`,
    "--timeout",
    "10s",
    "--script",
    CYCLE_LUA,
    `${options.baseUrl}/`,
    "--",
    options.itemsFile,
    options.method,
    options.path ?? "/",
  ];
  const { out, err, code } = await runTracked(args);
  const line = /^WRK_JSON (.*)$/m.exec(out)?.[1];
  if (code !== 0 || line === undefined) {
    throw new Error(`wrk failed (exit ${code}): ${err.slice(-1000)}\n${out.slice(-1000)}`);
  }
  const j = JSON.parse(line) as {
    requests: number;
    duration_us: number;
    errors: Record<"connect" | "read" | "write" | "status" | "timeout", number>;
    latency_us: Record<"mean" | "p50" | "p90" | "p99" | "max", number>;
    wraps: number;
  };
  const seconds = j.duration_us / 1e6;
  const ms = (us: number) => Math.round(us) / 1000;
  const result: WrkResult = {
    requests: j.requests,
    seconds,
    rate: Math.round(j.requests / seconds),
    errors: Object.values(j.errors).reduce((a, b) => a + b, 0),
    wraps: j.wraps,
    latencyMs: {
      mean: ms(j.latency_us.mean),
      p50: ms(j.latency_us.p50),
      p90: ms(j.latency_us.p90),
      p99: ms(j.latency_us.p99),
      max: ms(j.latency_us.max),
    },
  };
  progress(
    `  wrk ${options.method} ${result.rate}/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, errors ${result.errors}, wraps ${result.wraps}`,
  );
  return result;
}
