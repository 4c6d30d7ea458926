/**
 * The shipped Prometheus alert rules (ops/prometheus/stemedb-alerts.yml) and
 * Grafana dashboard (ops/grafana/stemedb-dashboard.json), read as data: the
 * alerts with their expressions, and every PromQL expression the dashboard runs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../../e2e/binary.ts";

export const PROMETHEUS_DIR = join(REPO, "ops/prometheus");
export const RULES_FILE = join(PROMETHEUS_DIR, "stemedb-alerts.yml");
export const RULE_TESTS_FILE = join(PROMETHEUS_DIR, "stemedb-alerts.test.yml");
export const DASHBOARD_FILE = join(REPO, "ops/grafana/stemedb-dashboard.json");

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RulesFile {
  groups: { name: string; rules: AlertRule[] }[];
}

export function readRules(text = readFileSync(RULES_FILE, "utf8")): RulesFile {
  return Bun.YAML.parse(text) as RulesFile;
}

export function alertRules(): AlertRule[] {
  return readRules().groups.flatMap((g) => g.rules);
}

interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string }[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, "utf8")) as Dashboard;
}

/** Grafana's built-in interval variables, replaced by a duration so the text is plain PromQL. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replaceAll("$__rate_interval", "5m").replaceAll("$__interval", "1m");
}

/**
 * Every PromQL expression of the dashboard: panel targets, and the metric of
 * each `label_values(metric, label)` variable query (as a bare selector).
 */
export function dashboardExpressions(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of d.panels) {
    for (const t of p.targets ?? []) {
      out.push({ where: `panel "${p.title}" ${t.refId}`, expr: withoutGrafanaVariables(t.expr) });
    }
  }
  for (const v of d.templating.list) {
    const q = typeof v.query === "string" ? v.query : v.query?.query;
    const m = q?.match(/^label_values\((\w+)\s*,\s*\w+\)$/);
    if (m?.[1]) out.push({ where: `variable $${v.name}`, expr: m[1] });
    else if (v.type === "query") throw new Error(`variable $${v.name}: unexpected query ${q}`);
  }
  return out;
}
