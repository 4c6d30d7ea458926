/**
 * Every series the alert rules and the Grafana dashboard read exists (issue 10):
 * a real server runs (port 0, temp data dir, archiving to a directory so the
 * SPEC §7 archive and backup gauges exist), serves a write, a query and a
 * 429, and its /metrics text is the list of what exists; so does a cluster-mode
 * server (SPEC §10) on a real 3-server JetStream cluster, for the
 * `stemedb_cluster_*` series. A rule or panel naming a series or label matcher
 * the servers do not export fails here, so an alert can never watch a name
 * that silently stays empty.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config.ts";
import { type RunningServer, startServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logger.ts";
import { testAgent } from "../helpers/agents.ts";
import { NATS, NATS_SERVER, type NatsCluster, startNatsCluster } from "../helpers/nats-cluster.ts";
import { type TempDir, tempDir } from "../helpers/temp-dir.ts";
import {
  alertRules,
  dashboardExpressions,
  PROMETHEUS_DIR,
  readDashboard,
} from "./lib/alert-rules.ts";
import { promqlSelectors } from "./lib/promql-selectors.ts";

/** Series other exporters provide, with the scrape job that collects them (ops/prometheus/prometheus.yml). */
const EXTERNAL_SERIES: Record<string, { source: string; job: string }> = {
  up: { source: "Prometheus itself, per scrape target", job: "stemedb" },
  node_filesystem_avail_bytes: { source: "prometheus-node-exporter", job: "node" },
  node_systemd_unit_state: { source: "prometheus-node-exporter --collector.systemd", job: "node" },
};

/** Target labels Prometheus adds to every scraped series. */
const TARGET_LABELS = new Set(["job", "instance"]);

interface Exported {
  /** Series name → label names seen on its samples. */
  series: Map<string, Set<string>>;
}

/** Parses the Prometheus text exposition: families from `# TYPE`, labels from samples. */
function parseExposition(text: string): Exported {
  const series = new Map<string, Set<string>>();
  for (const line of text.split("\n")) {
    const type = line.match(/^# TYPE (\w+) (\w+)$/);
    if (type) {
      const [, name = "", kind] = type;
      const names =
        kind === "histogram" ? ["_bucket", "_sum", "_count"].map((s) => name + s) : [name];
      for (const n of names) series.set(n, series.get(n) ?? new Set());
      continue;
    }
    const sample = line.match(/^(\w+)(?:\{(.*)\})? \S+$/);
    if (sample) {
      const [, name = "", labels = ""] = sample;
      const set = series.get(name) ?? new Set<string>();
      for (const m of labels.matchAll(/(\w+)="/g)) set.add(m[1] ?? "");
      series.set(name, set);
    }
  }
  return { series };
}

let dir: TempDir;
let server: RunningServer;
let exported: Exported;
let nats: NatsCluster | undefined;
let clusterServer: RunningServer | undefined;

/** Cluster alerts read series only cluster nodes export: checked against one when nats-server runs here. */
const clusterSkip = NATS.skipReason;
const isClusterAlert = (name: string) => name.startsWith("StemeDBCluster");

beforeAll(async () => {
  dir = tempDir("stemedb-metrics-");
  // A query limit of 1/s (burst 1) so the second query is a 429 and rate_limited_total has a sample.
  // The archive and backup gauges exist only while the server archives (SPEC §7): archive to a directory.
  const config = parseConfig({
    dataDir: join(dir.path, "data"),
    port: 0,
    rateQueryPerIp: 1,
    rateBurstSeconds: 1,
    archiveTo: join(dir.path, "archive"),
  });
  server = await startServer(config, silentLogger);
  const write = await fetch(`${server.url}/v1/assert`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(testAgent(3).sign({ concept: "ops/metrics", predicate: "p", value: 1 })),
  });
  expect(write.status).toBe(201);
  expect((await fetch(`${server.url}/v1/query?concept=ops/metrics`)).status).toBe(200);
  expect((await fetch(`${server.url}/v1/query?concept=ops/metrics`)).status).toBe(429);
  exported = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
  if (NATS_SERVER) {
    nats = await startNatsCluster(3);
    clusterServer = await startServer(
      parseConfig({ dataDir: join(dir.path, "cluster"), port: 0, natsUrl: nats.urls }),
      silentLogger,
    );
    const text = await (await fetch(`${clusterServer.url}/metrics`)).text();
    for (const [name, labels] of parseExposition(text).series) {
      exported.series.set(name, new Set([...(exported.series.get(name) ?? []), ...labels]));
    }
  }
}, 60_000);

afterAll(async () => {
  await server.stop();
  await clusterServer?.stop();
  await nats?.stop();
  dir[Symbol.dispose]();
});

/** What is wrong with one expression's selectors, as readable lines (empty = all exist). */
function missing(where: string, expr: string): string[] {
  const problems: string[] = [];
  for (const { metric, labels } of promqlSelectors(expr)) {
    if (metric in EXTERNAL_SERIES) continue;
    const seen = exported.series.get(metric);
    if (seen === undefined) {
      problems.push(`${where}: ${metric} is not exported`);
      continue;
    }
    for (const label of labels) {
      if (!TARGET_LABELS.has(label) && !seen.has(label)) {
        problems.push(
          `${where}: ${metric} has no label "${label}" (seen: ${[...seen].join(", ")})`,
        );
      }
    }
  }
  return problems;
}

describe("series named by ops/ exist in /metrics of a running server", () => {
  test("the parser sees the server's families, histograms as _bucket/_sum/_count", () => {
    expect(exported.series.get("stemedb_log_fsync_duration_seconds_bucket")?.has("le")).toBe(true);
    expect(exported.series.get("stemedb_http_requests_total")?.has("status")).toBe(true);
    expect(exported.series.get("stemedb_rate_limited_total")?.has("class")).toBe(true);
    expect(exported.series.has("stemedb_no_such_series")).toBe(false);
  });

  test("a misspelt series or label is caught", () => {
    expect(missing("probe", "rate(stemedb_http_request_total[5m])")).toEqual([
      "probe: stemedb_http_request_total is not exported",
    ]);
    expect(missing("probe", 'stemedb_breaker_state{breakr="storage"}')[0]).toContain(
      'no label "breakr"',
    );
  });

  const rules = alertRules().filter((r) => !clusterSkip || !isClusterAlert(r.alert));
  test.each(rules.map((r) => [r.alert, r.expr]))("alert %s", (name, expr) => {
    expect(missing(`alert ${name}`, expr)).toEqual([]);
  });
  test.skipIf(clusterSkip !== "")(
    `the cluster alerts' series are exported by a cluster-mode server${clusterSkip}`,
    () => {
      expect(exported.series.has("stemedb_cluster_behind_stream")).toBe(true);
      expect(alertRules().filter((r) => isClusterAlert(r.alert)).length).toBe(5);
    },
  );

  test("every Grafana panel and variable", () => {
    const exprs = dashboardExpressions(readDashboard());
    expect(exprs.length).toBeGreaterThan(25);
    expect(exprs.flatMap(({ where, expr }) => missing(where, expr))).toEqual([]);
  });

  test("series from other exporters have a scrape job in ops/prometheus/prometheus.yml", () => {
    const scrape = readFileSync(join(PROMETHEUS_DIR, "prometheus.yml"), "utf8");
    for (const { job } of Object.values(EXTERNAL_SERIES)) {
      expect(scrape).toContain(`- job_name: ${job}\n`);
    }
  });
});
