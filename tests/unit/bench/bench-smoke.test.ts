/**
 * Smoke test of the benchmark harness (SPEC §9): runs `tests/bench/run.ts
 * --quick` once as a subprocess and checks that it exits 0 and writes every
 * figure, with finite values, floors, CPU per operation and peers, and a
 * verdict for every target, to its JSON file. No thresholds: figures belong
 * to the benchmark, not to tests.
 *
 * The run needs wrk and PostgreSQL, found by the shared detection
 * (tests/helpers/debian-tool.ts): where they are missing the test is skipped,
 * saying why, except in CI (CI=true), where that is a failure.
 */
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FIGURE_KEYS } from "../../bench/collect-figures.ts";
import type { ReportedFigure } from "../../bench/report.ts";
import { allInstalled, debianTool } from "../../helpers/debian-tool.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const RUN = join(import.meta.dir, "..", "..", "bench", "run.ts");

/** PostgreSQL keeps initdb and pgbench off PATH, in /usr/lib/postgresql/<major>/bin. */
function pgBench(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const bin = readdirSync(root)
    .map((v) => join(root, v, "bin", "pgbench"))
    .find((p) => existsSync(p));
  return bin;
}

const tools = allInstalled(
  debianTool("wrk", "wrk"),
  debianTool("pgbench", "postgresql", { find: pgBench }),
);

if (!tools.ok) {
  test.skip(`bench --quick${tools.skipReason}`, () => {});
} else {
  test("bench --quick completes and reports every figure with its floor and CPU per operation", async () => {
    using out = tempDir("stemedb-bench-smoke-");
    const proc = Bun.spawn([process.execPath, RUN, "--quick", "--out", out.path], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (code !== 0) console.error(stderr.slice(-4000));
    expect(code).toBe(0);
    expect(stdout).toContain("| figure");
    expect(stdout).toContain("ingest floor");

    const files = readdirSync(out.path).filter((f) => f.endsWith(".json"));
    expect(files).toHaveLength(1);
    const result = JSON.parse(readFileSync(join(out.path, files[0] as string), "utf8")) as {
      mode: string;
      dataset: string;
      machine: { nproc: number; loadAverageStart: number[] };
      figures: ReportedFigure[];
    };
    expect(result.mode).toBe("quick");
    expect(result.dataset).toBe("realistic");
    expect(result.machine.nproc).toBeGreaterThan(0);
    expect(result.machine.loadAverageStart).toHaveLength(3);
    const byKey = new Map(result.figures.map((f) => [f.key, f]));
    for (const key of FIGURE_KEYS) {
      const figure = byKey.get(key);
      expect(figure, key).toBeDefined();
      expect(Number.isFinite(figure?.value), key).toBe(true);
      for (const b of figure?.baselines ?? []) expect(Number.isFinite(b.value), key).toBe(true);
      if (key === "ingest_batch_http" || /^(single_post|query_.*)_rate$/.test(key)) {
        expect(figure?.floor?.value, key).toBeGreaterThan(0);
        expect(figure?.cpu?.floorUs, key).toBeGreaterThan(0);
      }
      if (figure?.floor !== undefined) expect(figure.floor.value, key).toBeGreaterThan(0);
      if (figure?.cpu !== undefined) expect(figure.cpu.us, key).toBeGreaterThan(0);
      if (figure?.target !== undefined) expect(typeof figure.met, key).toBe("boolean");
    }
  }, 600_000);
}
