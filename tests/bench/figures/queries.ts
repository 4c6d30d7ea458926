/**
 * Query throughput over HTTP with the whole dataset stored (SPEC §9: exact or
 * tail, `latest` lens, ≥ 10,000/s, server-side p99 ≤ 5 ms). wrk, one thread,
 * 64 connections, cycles through GET /v1/query URLs of existing concepts in a
 * scattered order. Server-side p50/p99 come from the server's
 * `stemedb_http_request_duration_seconds{route="/v1/query"}` histogram,
 * scraped before and after each run (bucket-interpolated estimates; the share
 * of requests within 5 ms is exact, 5 ms being a bucket edge).
 */
import { join } from "node:path";
import { conceptCount, conceptOf, prefixOf, tailOf } from "../lib/dataset.ts";
import { progress } from "../lib/progress.ts";
import {
  fractionWithin,
  histogramDelta,
  quantileBucketMs,
  quantileMs,
  scrape,
} from "../lib/prom-metrics.ts";
import { runWrk, type WrkResult, writeLuaItems } from "../lib/wrk.ts";

export const QUERY_CASES = {
  exact_latest: (c: number) => `concept=${conceptOf(c)}`,
  tail_latest: (c: number) => `concept=${tailOf(c)}&match=tail`,
  prefix_latest: (c: number) => `concept=${prefixOf(c)}&match=prefix`,
  exact_consensus: (c: number) => `concept=${conceptOf(c)}&lens=consensus`,
} as const;
export type QueryCase = keyof typeof QUERY_CASES;

export interface QueryFigure {
  wrk: WrkResult;
  serverP50Ms: number;
  serverP99Ms: number;
  serverMeanMs: number;
  /** Edges of the histogram buckets holding p50 and p99, in ms. */
  serverP50BucketMs: [number, number];
  serverP99BucketMs: [number, number];
  shareWithin5Ms: number;
  /** Keys in the first URL's answer (a sanity check that queries hit data). */
  sampleResults: number;
}

export interface QueryOptions {
  wrk: string;
  n: number;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  dir: string;
  /** Which cases to run (default: all). */
  cases?: readonly QueryCase[];
}

const URLS = 20_000;

export async function measureQueries(
  baseUrl: string,
  options: QueryOptions,
): Promise<Record<QueryCase, QueryFigure>> {
  const concepts = conceptCount(options.n);
  const out: Partial<Record<QueryCase, QueryFigure>> = {};
  const cases = options.cases ?? (Object.keys(QUERY_CASES) as QueryCase[]);
  for (const name of cases) {
    const query = QUERY_CASES[name];
    const paths = Array.from(
      { length: URLS },
      (_, i) => `/v1/query?${query((i * 104_729 + 17) % concepts)}`,
    );
    const sample = await fetch(baseUrl + paths[0]);
    const body = (await sample.json()) as { results?: unknown[] };
    if (sample.status !== 200 || !body.results || body.results.length === 0) {
      throw new Error(`${name}: ${paths[0]} answered ${sample.status} with no results`);
    }
    const itemsFile = join(options.dir, `query-${name}.lua`);
    writeLuaItems(itemsFile, paths);
    const run = (seconds: number) =>
      runWrk({
        wrk: options.wrk,
        baseUrl,
        itemsFile,
        method: "GET",
        connections: options.connections,
        seconds,
      });
    progress(`query ${name}`);
    if (options.warmupSeconds > 0) await run(options.warmupSeconds);
    const before = await scrape(baseUrl);
    const wrk = await run(options.seconds);
    const after = await scrape(baseUrl);
    const h = histogramDelta(before, after, "stemedb_http_request_duration_seconds", {
      method: "GET",
      route: "/v1/query",
    });
    if (wrk.errors > 0) progress(`  WARNING: ${wrk.errors} failed or non-2xx answers`);
    out[name] = {
      wrk,
      serverP50Ms: round3(quantileMs(h, 0.5)),
      serverP99Ms: round3(quantileMs(h, 0.99)),
      serverMeanMs: round3(h.meanMs),
      serverP50BucketMs: quantileBucketMs(h, 0.5),
      serverP99BucketMs: quantileBucketMs(h, 0.99),
      shareWithin5Ms: round3(fractionWithin(h, 5)),
      sampleResults: body.results.length,
    };
    progress(
      `  server-side p50 ${out[name].serverP50Ms} ms, p99 ${out[name].serverP99Ms} ms (${(out[name].shareWithin5Ms * 100).toFixed(1)}% ≤ 5 ms)`,
    );
  }
  return out as Record<QueryCase, QueryFigure>; // every case asked for
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
