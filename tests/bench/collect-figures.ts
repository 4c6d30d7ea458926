/**
 * Turns the measurements of one run into the reported figures (SPEC §9): the
 * floors first (V, S, the ingest floor, H_get, H_post, the single-POST floor),
 * then each StemeDB figure as a ratio to its floor, with the server's CPU per
 * operation next to the floor's, the PostgreSQL peer where it has one, and
 * its target. `FIGURE_KEYS` lists every figure a complete run reports (the
 * smoke test checks them).
 */

import type { Baseline, Figure } from "./figure.ts";
import type { BatchIngest } from "./figures/batch-ingest.ts";
import type { Footprint } from "./figures/footprint.ts";
import type { PostgresBaseline } from "./figures/postgres-baseline.ts";
import {
  type ModeFigure,
  QUERY_KINDS,
  QUERY_MODES,
  type QueryModeCase,
  ZIPF_S,
} from "./figures/query-modes.ts";
import type { Restart } from "./figures/restart.ts";
import type { SinglePost } from "./figures/single-post.ts";
import type { SqliteBaseline } from "./figures/sqlite-baseline.ts";
import type { VerifyBaseline } from "./figures/verify-baseline.ts";
import type { Floor, Floors } from "./lib/floors.ts";
import type { MeasuredWrk } from "./lib/measured-wrk.ts";

export interface Measurements {
  assertions: number;
  dataset: string;
  verify: VerifyBaseline;
  sqlite: SqliteBaseline;
  /** The bare server's GET run (H_get), 16 connections, the Zipf list. */
  httpGet: MeasuredWrk;
  floors: Floors;
  postgres: PostgresBaseline;
  ingest: BatchIngest;
  queries: Record<QueryModeCase, ModeFigure>;
  footprint: Footprint;
  restart: Restart;
  single: SinglePost;
}

/** SPEC §9: queries ≥ 0.25 of H_get when each key is asked once, ≥ 0.5 under the Zipf mix. */
const QUERY_RATIO: Record<(typeof QUERY_MODES)[number], number> = { cold: 0.25, zipf: 0.5 };
const MODE_LABEL = { cold: "each key once", zipf: `Zipf s=${ZIPF_S}` } as const;

const QUERY_KEYS = QUERY_MODES.flatMap((mode) =>
  QUERY_KINDS.flatMap((kind) => [
    `query_${mode}_${kind}_rate`,
    `query_${mode}_${kind}_p99_client_ms`,
    `query_${mode}_${kind}_p99_server_ms`,
  ]),
);

export const FIGURE_KEYS: readonly string[] = [
  "floor_verify",
  "floor_sqlite",
  "floor_ingest",
  "floor_http_get",
  "floor_http_post",
  "floor_single_post",
  "ingest_batch_http",
  "ingest_last_tenth",
  "single_post_rate",
  "single_post_p99_ms",
  ...QUERY_KEYS,
  "restart_ready_s",
  "rss_mb",
  "disk_bytes_per_assertion",
  "disk_log_bytes_per_assertion",
  "disk_db_bytes_per_assertion",
];

function floorFigures(m: Measurements, n: string): Figure[] {
  const f = m.floors;
  const figure = (
    key: string,
    name: string,
    unit: string,
    floor: Floor,
    details?: Record<string, unknown>,
  ): Figure => ({
    key,
    name,
    unit,
    value: floor.rate,
    cpu: { us: floor.cpuUs },
    baselines: [],
    ...(details === undefined ? {} : { details }),
  });
  return [
    figure("floor_verify", "V: native Ed25519 verify, 1 core", "/s", f.verify, {
      preparePerCore: m.verify.preparePerCore,
    }),
    figure(
      "floor_sqlite",
      `S: same rows, StemeDB schema, 1 thread, 1,000/txn (${n})`,
      "rows/s",
      f.sqlite,
      { ...m.sqlite },
    ),
    figure("floor_ingest", "ingest floor 2/(1/V + 1/S)", "/s", f.ingest),
    figure("floor_http_get", "H_get: bare Bun.serve, GET, 16 conns", "req/s", f.httpGet, {
      clientLatencyMs: m.httpGet.wrk.latencyMs,
    }),
    figure("floor_http_post", "H_post: bare Bun.serve, POST, 64 conns", "req/s", f.httpPost, {
      clientLatencyMs: m.single.bare.latencyMs,
    }),
    figure(
      "floor_single_post",
      "single-POST floor 1/(1/ingest floor + 1/H_post)",
      "/s",
      f.singlePost,
    ),
  ];
}

function queryFigures(m: Measurements, n: string): Figure[] {
  const floor: Baseline = { name: "H_get", value: m.floors.httpGet.rate };
  const out: Figure[] = [];
  for (const mode of QUERY_MODES) {
    for (const kind of QUERY_KINDS) {
      const q = m.queries[`${mode}_${kind}`];
      const label = `query ${kind} latest, ${MODE_LABEL[mode]}`;
      out.push(
        {
          key: `query_${mode}_${kind}_rate`,
          name: `${label}, 16 conns (${n})`,
          unit: "q/s",
          value: q.wrk.rate,
          floor,
          cpu: { us: q.cpuUsPerQuery, floorUs: m.floors.httpGet.cpuUs },
          baselines: [{ name: `PostgreSQL ${kind} look-up`, value: m.postgres.queries[kind] }],
          target: { op: ">=", value: QUERY_RATIO[mode], of: "ratio" },
          details: {
            runSeconds: q.runSeconds,
            distinctKeys: q.distinctKeys,
            wraps: q.wrk.wraps,
            probeRate: q.probeRate,
            top100Share: q.top100Share,
            errors: q.wrk.errors,
            serverCores: q.serverCores,
            sampleResults: q.sampleResults,
          },
        },
        {
          key: `query_${mode}_${kind}_p99_client_ms`,
          name: `${label}, p99 client`,
          unit: "ms",
          value: q.wrk.latencyMs.p99,
          baselines: [{ name: "bare Bun GET p99", value: m.httpGet.wrk.latencyMs.p99 }],
          target: { op: "<=", value: 5 },
          details: { clientLatencyMs: q.wrk.latencyMs },
        },
        {
          key: `query_${mode}_${kind}_p99_server_ms`,
          name: `${label}, p99 server`,
          unit: "ms",
          value: q.serverP99Ms,
          bucket: q.serverP99BucketMs,
          baselines: [],
          target: { op: "<=", value: 1 },
          details: {
            serverP50Ms: q.serverP50Ms,
            serverMeanMs: q.serverMeanMs,
            shareWithin1Ms: q.shareWithin1Ms,
            shareWithin5Ms: q.shareWithin5Ms,
          },
        },
      );
    }
  }
  return out;
}

export function collectFigures(m: Measurements): Figure[] {
  const n = m.assertions.toLocaleString("en");
  return [
    ...floorFigures(m, n),
    {
      key: "ingest_batch_http",
      name: `batch ingest, HTTP, durable (${n})`,
      unit: "/s",
      value: m.ingest.rate,
      floor: { name: "ingest floor", value: m.floors.ingest.rate },
      cpu: { us: m.ingest.cpuUsPerAssertion, floorUs: m.floors.ingest.cpuUs },
      baselines: [{ name: "PostgreSQL INSERTs, sync commit", value: m.postgres.insertRate }],
      target: { op: ">=", value: 0.8, of: "ratio" },
      details: { ...m.ingest },
    },
    {
      key: "ingest_last_tenth",
      name: `batch ingest, last tenth ÷ first (${m.ingest.lastTenthRate.toLocaleString("en")} ÷ ${m.ingest.firstTenthRate.toLocaleString("en")} /s)`,
      unit: "×",
      value: m.ingest.lastToFirst,
      baselines: [],
      target: { op: ">=", value: 0.8 },
      details: {
        firstTenthRate: m.ingest.firstTenthRate,
        lastTenthRate: m.ingest.lastTenthRate,
      },
    },
    {
      key: "single_post_rate",
      name: "single POSTs, 64 conns",
      unit: "/s",
      value: m.single.stemedb.rate,
      floor: { name: "single-POST floor", value: m.floors.singlePost.rate },
      cpu: { us: m.single.cpuUsPerRequest, floorUs: m.floors.singlePost.cpuUs },
      baselines: [],
      target: { op: ">=", value: 0.6, of: "ratio" },
      details: {
        outcomes: m.single.outcomes,
        recordsPerFsync: m.single.recordsPerFsync,
        meanFsyncMs: m.single.meanFsyncMs,
        serverCores: m.single.serverCores,
        errors: m.single.stemedb.errors,
        wraps: m.single.stemedb.wraps,
        clientLatencyMs: m.single.stemedb.latencyMs,
        serverP50Ms: m.single.serverP50Ms,
      },
    },
    {
      key: "single_post_p99_ms",
      name: "single POSTs, p99 client",
      unit: "ms",
      value: m.single.stemedb.latencyMs.p99,
      baselines: [{ name: "bare Bun POST p99", value: m.single.bare.latencyMs.p99 }],
      target: { op: "<=", value: 25 },
      details: { serverP99Ms: m.single.serverP99Ms },
    },
    ...queryFigures(m, n),
    {
      key: "restart_ready_s",
      name: `restart after SIGKILL to ready (${n})`,
      unit: "s",
      value: m.restart.readySeconds,
      baselines: [],
      target: { op: "<=", value: 2 },
      details: { ...m.restart },
    },
    {
      key: "rss_mb",
      name: `server RSS (${n})`,
      unit: "MB",
      value: Math.round(m.footprint.rssBytes / 1e5) / 10,
      baselines: [],
      target: { op: "<=", value: 300 },
    },
    {
      key: "disk_bytes_per_assertion",
      name: "disk per assertion, log + db",
      unit: "B",
      value: m.footprint.totalBytesPerAssertion,
      baselines: [
        { name: "S's database", value: m.sqlite.bytesPerRow },
        { name: "PostgreSQL table+indexes", value: m.postgres.bytesPerRow },
      ],
      target: { op: "<=", value: 1024 },
      details: { logBytes: m.footprint.logBytes, dbBytes: m.footprint.dbBytes },
    },
    {
      key: "disk_log_bytes_per_assertion",
      name: "disk per assertion, segment log",
      unit: "B",
      value: m.footprint.logBytesPerAssertion,
      baselines: [],
    },
    {
      key: "disk_db_bytes_per_assertion",
      name: "disk per assertion, SQLite",
      unit: "B",
      value: m.footprint.dbBytesPerAssertion,
      baselines: [{ name: "S's database", value: m.sqlite.bytesPerRow }],
    },
  ];
}
