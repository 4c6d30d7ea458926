/**
 * ops/prometheus with Debian's promtool (SPEC §8): the scrape config and the
 * rules are valid, the rules' unit tests pass, every alert has a unit test
 * that makes it fire (an alert whose expression is replaced by one that never
 * fires must fail `promtool test rules`) and a runbook section.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../e2e/binary.ts";
import { debianTool } from "../helpers/debian-tool.ts";
import { type TempDir, tempDir } from "../helpers/temp-dir.ts";
import {
  alertRules,
  PROMETHEUS_DIR,
  RULE_TESTS_FILE,
  RULES_FILE,
  readRules,
} from "./lib/alert-rules.ts";
import { run } from "./lib/ops-tool.ts";

const promtool = debianTool("promtool", "prometheus");
const ALERTS_REQUIRED = [
  "StemeDBInstanceDown",
  "StemeDBNotReady",
  "StemeDBStorageBreakerOpen",
  "StemeDBFsyncSlow",
  "StemeDBDiskFullIn24h",
  "StemeDBDiskFullIn4h",
  "StemeDBBackupTooOld",
  "StemeDBArchiveLagging",
  "StemeDBArchiveNotRestorable",
  "StemeDBJobFailed",
  "StemeDBQuarantineGrowing",
  "StemeDBAgentBreakersOpen",
  "StemeDBRateLimitSurge",
  "StemeDBServerErrors",
  "StemeDBHTTPThreadRestarting",
  "StemeDBClusterLagging",
  "StemeDBClusterDegraded",
  "StemeDBClusterBehindStream",
  "StemeDBClusterNearRetention",
  "StemeDBClusterApplyFailing",
];

let dir: TempDir;
beforeAll(() => {
  dir = tempDir("stemedb-promtool-");
});
afterAll(() => dir[Symbol.dispose]());

test("the rules cover the issue's alerts, each with severity, summary and runbook", () => {
  const rules = alertRules();
  expect(rules.map((r) => r.alert)).toEqual(ALERTS_REQUIRED);
  const runbook = readFileSync(join(REPO, "ops/docs/incident-response.md"), "utf8");
  for (const r of rules) {
    expect(["critical", "warning"]).toContain(r.labels?.severity ?? "");
    expect(r.annotations?.summary).toBeString();
    expect(r.annotations?.runbook).toBe(`ops/docs/incident-response.md#${r.alert.toLowerCase()}`);
    expect(runbook).toContain(`\n### ${r.alert}\n`);
  }
});

test("every alert has a promtool unit test of its own", () => {
  const tests = Bun.YAML.parse(readFileSync(RULE_TESTS_FILE, "utf8")) as {
    tests: { name: string; alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
  };
  for (const alert of ALERTS_REQUIRED) {
    const own = tests.tests.find((t) => t.name === alert);
    expect(own).toBeDefined();
    const cases = own?.alert_rule_test.filter((c) => c.alertname === alert) ?? [];
    expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true); // it fires
    expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true); // and stays silent
  }
});

describe(`promtool${promtool.skipReason}`, () => {
  const tool = promtool.path ?? "";

  test.skipIf(!promtool.path)(
    "promtool check rules",
    async () => {
      const r = await run([tool, "check", "rules", RULES_FILE]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(r.stdout).toContain(`SUCCESS: ${ALERTS_REQUIRED.length} rules found`);
    },
    30_000,
  );

  test.skipIf(!promtool.path)(
    "promtool check config on the scrape config",
    async () => {
      const r = await run([tool, "check", "config", join(PROMETHEUS_DIR, "prometheus.yml")]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(r.stdout).toContain("is valid prometheus config file syntax");
    },
    30_000,
  );

  test.skipIf(!promtool.path)(
    "promtool test rules",
    async () => {
      const r = await run([tool, "test", "rules", RULE_TESTS_FILE]);
      expect({ code: r.code, stdout: r.stdout.trim(), stderr: r.stderr }).toEqual({
        code: 0,
        stdout: `Unit Testing:  ${RULE_TESTS_FILE}\n  SUCCESS`,
        stderr: "",
      });
    },
    30_000,
  );

  test.skipIf(!promtool.path)(
    "each alert's unit test fails when that alert can no longer fire",
    async () => {
      const tests = Bun.YAML.parse(readFileSync(RULE_TESTS_FILE, "utf8")) as {
        tests: { name: string }[];
      };
      for (const alert of ALERTS_REQUIRED) {
        const rules = readRules();
        for (const g of rules.groups) {
          for (const r of g.rules) if (r.alert === alert) r.expr = "vector(1) > 2";
        }
        writeFileSync(join(dir.path, "stemedb-alerts.yml"), Bun.YAML.stringify(rules));
        const own = { ...tests, tests: tests.tests.filter((t) => t.name === alert) };
        writeFileSync(join(dir.path, "own.test.yml"), Bun.YAML.stringify(own));
        const r = await run([tool, "test", "rules", "own.test.yml"], { cwd: dir.path });
        expect(r.code).not.toBe(0);
        expect(r.stdout + r.stderr).toContain(`alertname: ${alert}`);
      }
    },
    60_000,
  );
});
