/**
 * One measured query run against StemeDB: wrk (one thread) cycles through a
 * list of GET /v1/query paths; the figure holds wrk's rate and client-side
 * latency, the server's CPU per query (/proc), and the server-side p50/p99
 * from its own `stemedb_http_request_duration_seconds{route="/v1/query"}`
 * histogram, scraped before and after the run (bucket-interpolated estimates;
 * the share within 1 ms and 5 ms is exact, both being bucket edges).
 */
import { measuredWrk } from "../lib/measured-wrk.ts";
import { progress } from "../lib/progress.ts";
import {
  fractionWithin,
  histogramDelta,
  quantileBucketMs,
  quantileMs,
  scrape,
} from "../lib/prom-metrics.ts";
import type { WrkResult } from "../lib/wrk.ts";

export interface QueryFigure {
  wrk: WrkResult;
  /** Server CPU µs per query (all its threads). */
  cpuUsPerQuery: number;
  serverCores: number;
  serverP50Ms: number;
  serverP99Ms: number;
  serverMeanMs: number;
  /** Edges of the histogram buckets holding p50 and p99, in ms. */
  serverP50BucketMs: [number, number];
  serverP99BucketMs: [number, number];
  shareWithin1Ms: number;
  shareWithin5Ms: number;
  /** Distinct paths in the list wrk cycled through. */
  distinctPaths: number;
  /** Keys in the first path's answer (a sanity check that queries hit data). */
  sampleResults: number;
}

export interface QueryRunOptions {
  wrk: string;
  baseUrl: string;
  /** For the CPU per query (undefined: not measured). */
  serverPid: number | undefined;
  /** Lua items file of the paths (`writeLuaItems`). */
  itemsFile: string;
  /** The first path, asked once before the run to check it answers with results. */
  samplePath: string;
  distinctPaths: number;
  connections: number;
  seconds: number;
}

export async function runQueryFigure(o: QueryRunOptions): Promise<QueryFigure> {
  const sample = await fetch(o.baseUrl + o.samplePath);
  const body = (await sample.json()) as { results?: unknown[] };
  if (sample.status !== 200 || !body.results || body.results.length === 0) {
    throw new Error(`${o.samplePath} answered ${sample.status} with no results`);
  }
  const before = await scrape(o.baseUrl);
  const run = await measuredWrk(o.serverPid, {
    wrk: o.wrk,
    baseUrl: o.baseUrl,
    itemsFile: o.itemsFile,
    method: "GET",
    connections: o.connections,
    seconds: o.seconds,
  });
  const after = await scrape(o.baseUrl);
  const h = histogramDelta(before, after, "stemedb_http_request_duration_seconds", {
    method: "GET",
    route: "/v1/query",
  });
  if (run.wrk.errors > 0) progress(`  WARNING: ${run.wrk.errors} failed or non-2xx answers`);
  const figure: QueryFigure = {
    wrk: run.wrk,
    cpuUsPerQuery: run.cpuUsPerRequest,
    serverCores: run.serverCores,
    serverP50Ms: round3(quantileMs(h, 0.5)),
    serverP99Ms: round3(quantileMs(h, 0.99)),
    serverMeanMs: round3(h.meanMs),
    serverP50BucketMs: quantileBucketMs(h, 0.5),
    serverP99BucketMs: quantileBucketMs(h, 0.99),
    shareWithin1Ms: round3(fractionWithin(h, 1)),
    shareWithin5Ms: round3(fractionWithin(h, 5)),
    distinctPaths: o.distinctPaths,
    sampleResults: body.results.length,
  };
  progress(
    `  server-side p50 ${figure.serverP50Ms} ms, p99 ${figure.serverP99Ms} ms; ${figure.cpuUsPerQuery} µs CPU/query`,
  );
  return figure;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
