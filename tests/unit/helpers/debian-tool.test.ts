/**
 * The Debian-tool detection (tests/helpers/debian-tool.ts) with the tools
 * hidden: PATH pointing at an empty directory. Outside CI the suites that need
 * chromium, promtool, nats-server, wrk, curl and radosgw skip, printing why,
 * and `bun test` passes; with CI=true the same run fails, naming the missing
 * tool.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO, runBinary } from "../../e2e/binary.ts";
import { debianTool } from "../../helpers/debian-tool.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const SUITES = [
  "tests/browser/dashboard.test.ts",
  "tests/ops/prometheus.test.ts",
  "tests/cluster/jetstream-log.test.ts",
  "tests/unit/bench/bench-smoke.test.ts",
  "tests/docs/readme-curl.test.ts",
  "tests/unit/backup/s3-versions.test.ts",
];

/** `bun test SUITES` with PATH = an empty dir and CI as given (runBinary passes no other CI). */
async function runHidden(ci: string | undefined) {
  using empty = tempDir("stemedb-no-tools-");
  const env = { PATH: empty.path, ...(ci === undefined ? {} : { CI: ci }) };
  const r = await runBinary(process.execPath, ["test", ...SUITES, "--timeout", "30000"], {
    cwd: REPO,
    env,
  });
  return { code: r.code, output: r.stdout + r.stderr };
}

describe("debianTool", () => {
  test("finds a tool on PATH", () => {
    const sh = debianTool("sh", "dash", { env: { PATH: "/usr/bin:/bin" } });
    expect(sh.path).toMatch(/\/sh$/);
    expect(sh.skipReason).toBe("");
  });

  test("outside CI a missing tool is a skip with the reason and the package", () => {
    using empty = tempDir("stemedb-no-tools-");
    const tool = debianTool("promtool", "prometheus", { env: { PATH: empty.path } });
    expect(tool.path).toBeUndefined();
    expect(tool.skipReason).toBe(" (skipped: promtool not installed; apt-get install prometheus)");
  });

  test("in CI a missing tool is an error naming the package", () => {
    using empty = tempDir("stemedb-no-tools-");
    expect(() =>
      debianTool("promtool", "prometheus", { env: { PATH: empty.path, CI: "true" } }),
    ).toThrow("promtool is missing in CI (CI=true): .ci/run must apt-get install prometheus");
  });

  test("a tool off PATH is found by its own lookup", () => {
    using empty = tempDir("stemedb-no-tools-");
    const pg = debianTool("pgbench", "postgresql", {
      env: { PATH: empty.path, CI: "true" },
      find: () => join("/opt", "pgbench"),
    });
    expect(pg.path).toBe("/opt/pgbench");
  });
});

describe("the suites with every Debian tool hidden (PATH = an empty dir)", () => {
  test("outside CI they skip, printing why, and the run passes", async () => {
    const { code, output } = await runHidden(undefined);
    expect(output).toContain("(skipped: chromium not installed; apt-get install chromium)");
    expect(output).toContain("(skipped: promtool not installed; apt-get install prometheus)");
    expect(output).toContain("(skipped: nats-server not installed; apt-get install nats-server)");
    expect(output).toContain("(skipped: wrk not installed; apt-get install wrk)");
    expect(output).toContain("(skipped: curl not installed; apt-get install curl)");
    expect(output).toContain("(skipped: radosgw not installed; apt-get install radosgw)");
    expect(output).not.toContain("CI must run");
    expect(output).toMatch(/\b0 fail\b/);
    expect(code).toBe(0);
  }, 120_000);

  test("with CI=true the same run fails, naming what is missing", async () => {
    const { code, output } = await runHidden("true");
    expect(output).toContain("chromium is missing in CI (CI=true)");
    expect(output).toContain("promtool is missing in CI (CI=true)");
    expect(output).toContain("nats-server is missing in CI (CI=true)");
    expect(output).toContain("wrk is missing in CI (CI=true)");
    expect(output).toContain("curl is missing in CI (CI=true)");
    expect(output).toContain("radosgw is missing in CI (CI=true)");
    expect(code).not.toBe(0);
  }, 120_000);
});
