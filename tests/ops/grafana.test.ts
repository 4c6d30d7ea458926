/**
 * ops/grafana/stemedb-dashboard.json: a well-formed Grafana dashboard (unique
 * panel ids, refIds, a 24-column grid, the data source as a variable) with a
 * panel for each figure issue 10 asks for. No Grafana runs here (Debian does
 * not package it); that every query names an exported series is checked
 * against a running server by metric-names.test.ts.
 */
import { expect, test } from "bun:test";
import { readDashboard, withoutGrafanaVariables } from "./lib/alert-rules.ts";
import { promqlSelectors } from "./lib/promql-selectors.ts";

const dashboard = readDashboard();

test("panels have unique ids, unique refIds and fit the 24-column grid", () => {
  const ids = dashboard.panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const p of dashboard.panels) {
    expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    const refIds = (p.targets ?? []).map((t) => t.refId);
    expect(new Set(refIds).size).toBe(refIds.length);
    if (p.type !== "row") expect(refIds.length).toBeGreaterThan(0);
  }
  expect(dashboard.templating.list.map((v) => v.name)).toEqual(["datasource", "instance"]);
});

test("no two panels overlap", () => {
  const cells = new Set<string>();
  for (const { gridPos: g, title } of dashboard.panels) {
    for (let x = g.x; x < g.x + g.w; x++) {
      for (let y = g.y; y < g.y + g.h; y++) {
        const cell = `${x},${y}`;
        if (cells.has(cell)) throw new Error(`panel "${title}" overlaps another at ${cell}`);
        cells.add(cell);
      }
    }
  }
});

test("there is a panel for each figure of issue 10", () => {
  const read = new Set(
    dashboard.panels.flatMap((p) =>
      (p.targets ?? []).flatMap((t) =>
        promqlSelectors(withoutGrafanaVariables(t.expr)).map((s) => s.metric),
      ),
    ),
  );
  const wanted: Record<string, string> = {
    "ingest rate": "stemedb_ingest_assertions_total",
    "ingest latency": "stemedb_http_request_duration_seconds_bucket",
    fsync: "stemedb_log_fsync_duration_seconds_bucket",
    "batch size": "stemedb_log_commit_batch_records_bucket",
    "tree size": "stemedb_merkle_tree_size",
    quarantine: "stemedb_quarantine_pending",
    "storage breaker": "stemedb_breaker_state",
    "agent breakers": "stemedb_agent_breakers_open",
    "backup age": "stemedb_backup_last_success_timestamp_seconds",
    "archive age": "stemedb_archive_lag_seconds",
  };
  for (const [figure, metric] of Object.entries(wanted)) {
    expect({ figure, read: read.has(metric) }).toEqual({ figure, read: true });
  }
});
