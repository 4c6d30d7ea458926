/**
 * Single-assertion POSTs from 64 concurrent connections (SPEC §9: ≥ 8,000/s,
 * p99 ≤ 25 ms): wrk, one thread, 64 connections, each request the next of a
 * table of distinct pre-signed assertions (so none is a duplicate unless the
 * table wraps — reported). Rate and p50/p99 are wrk's (client-observed, the
 * whole round trip including the fsync wait); the server-side p50/p99 come
 * from the `POST /v1/assert` histogram. The baseline is the same wrk run
 * against bare-server.ts (parse the JSON body, answer 201): the HTTP ceiling.
 */
import { join } from "node:path";
import { measuredWrk } from "../lib/measured-wrk.ts";
import { progress } from "../lib/progress.ts";
import { counterDelta, histogramDelta, quantileMs, scrape } from "../lib/prom-metrics.ts";
import { type WrkOptions, type WrkResult, writeLuaItems } from "../lib/wrk.ts";
import { measureHttpFloor } from "./http-floor.ts";

export interface SinglePost {
  stemedb: WrkResult;
  bare: WrkResult;
  serverP50Ms: number;
  serverP99Ms: number;
  outcomes: Record<"accepted" | "quarantined" | "duplicate" | "rejected", number>;
  recordsPerFsync: number;
  /** Mean time from issuing a group's fdatasync to its completion being handled. */
  meanFsyncMs: number;
  /** Server CPU seconds per wall second during the StemeDB run (2.0 = both cores). */
  serverCores: number;
  /** Server CPU µs per request (all threads). */
  cpuUsPerRequest: number;
  /** The bare server's CPU µs per request (H_post's). */
  bareCpuUsPerRequest: number;
}

export interface SinglePostOptions {
  wrk: string;
  connections: number;
  seconds: number;
  dir: string;
}

export async function measureSinglePost(
  baseUrl: string,
  serverPid: number,
  bodies: string[],
  options: SinglePostOptions,
): Promise<SinglePost> {
  const itemsFile = join(options.dir, "single-bodies.lua");
  writeLuaItems(itemsFile, bodies);
  const load: Omit<WrkOptions, "baseUrl"> = {
    wrk: options.wrk,
    itemsFile,
    method: "POST",
    path: "/v1/assert",
    connections: options.connections,
    seconds: options.seconds,
  };

  progress(`single POSTs to StemeDB (${bodies.length} distinct bodies)`);
  const before = await scrape(baseUrl);
  const measured = await measuredWrk(serverPid, { ...load, baseUrl });
  const stemedb = measured.wrk;
  const after = await scrape(baseUrl);
  const fsync = histogramDelta(before, after, "stemedb_log_fsync_duration_seconds", {});
  const h = histogramDelta(before, after, "stemedb_http_request_duration_seconds", {
    method: "POST",
    route: "/v1/assert",
  });
  const outcome = (status: string) =>
    counterDelta(before, after, "stemedb_ingest_assertions_total", { status });
  const fsyncs = counterDelta(before, after, "stemedb_log_commit_batch_records_count");
  const records = counterDelta(before, after, "stemedb_log_commit_batch_records_sum");

  progress(`  ${measured.cpuUsPerRequest} µs server CPU/request`);
  const bare = await measureHttpFloor(load);
  return {
    stemedb,
    bare: bare.wrk,
    serverP50Ms: Math.round(quantileMs(h, 0.5) * 1000) / 1000,
    serverP99Ms: Math.round(quantileMs(h, 0.99) * 1000) / 1000,
    outcomes: {
      accepted: outcome("accepted"),
      quarantined: outcome("quarantined"),
      duplicate: outcome("duplicate"),
      rejected: outcome("rejected"),
    },
    recordsPerFsync: fsyncs > 0 ? Math.round((records / fsyncs) * 10) / 10 : 0,
    meanFsyncMs: Math.round(fsync.meanMs * 1000) / 1000,
    serverCores: measured.serverCores,
    cpuUsPerRequest: measured.cpuUsPerRequest,
    bareCpuUsPerRequest: bare.cpuUsPerRequest,
  };
}
