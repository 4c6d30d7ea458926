/**
 * Runs the Python client's own suite (clients/python/tests: protocol vectors,
 * interop with src/protocol through bun, end to end against the compiled
 * binary) as part of `npm test`, so CI runs it (SPEC §13). The binary is built
 * fresh into a temp dir (tests/e2e/binary.ts) and handed over as
 * STEMEDB_BINARY, so a stale dist/stemedb is never what gets tested.
 *
 * The interpreter: `python3` on PATH, or /usr/bin/python3 when only Debian's has
 * hypothesis and httpx. Outside CI a machine without python3, pytest or cryptography skips with the
 * reason printed; in CI (CI=true) that is a failure: .ci/run installs them.
 */
import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { buildBinary, REPO, runBinary } from "../e2e/binary.ts";

// `python3` on PATH, or Debian's (where .ci/run installs the packages) when PATH's lacks them.
const CANDIDATES = ["python3", "/usr/bin/python3"];
const REQUIRED = "import pytest, cryptography";
const OPTIONAL = "import hypothesis, httpx";

function probe(python: string, code: string): string | undefined {
  try {
    const run = Bun.spawnSync([python, "-c", code], { stdout: "pipe", stderr: "pipe" });
    if (run.exitCode === 0) return undefined;
    return run.stderr.toString().trim().split("\n").pop() ?? `exit ${run.exitCode}`;
  } catch {
    return "not found";
  }
}

/** The first candidate with everything, else the first with what is required. */
function choosePython(): { python?: string; missing?: string } {
  const usable = CANDIDATES.filter((p) => probe(p, REQUIRED) === undefined);
  const full = usable.find((p) => probe(p, OPTIONAL) === undefined);
  if (full !== undefined || usable[0] !== undefined) return { python: full ?? usable[0] };
  return { missing: CANDIDATES.map((p) => `${p}: ${probe(p, REQUIRED)}`).join("; ") };
}

const { python: PYTHON, missing } = choosePython();
const inCi = process.env.CI === "true";
if (missing !== undefined && !inCi) {
  console.log(
    `skipping the Python client suite: no python3 with pytest and cryptography (${missing}); CI installs them: see .ci/run`,
  );
}

describe("Python client (clients/python)", () => {
  test("CI has what the Python suite needs", () => {
    if (!inCi) return;
    expect(missing).toBeUndefined();
    // In CI nothing of the suite may skip: hypothesis and httpx too.
    expect(probe(PYTHON ?? "python3", OPTIONAL)).toBeUndefined();
  });

  test.skipIf(missing !== undefined)(
    "python3 -m pytest clients/python passes against the compiled binary",
    async () => {
      const bin = await buildBinary();
      try {
        const { code, stdout, stderr } = await runBinary(
          PYTHON ?? "python3",
          ["-m", "pytest", "clients/python", "-q", "-p", "no:randomly"],
          { cwd: REPO, env: { STEMEDB_BINARY: bin.path, PYTHONDONTWRITEBYTECODE: "1" } },
        );
        const summary = stdout.trim().split("\n").pop() ?? "";
        console.log(`${PYTHON} -m pytest clients/python: ${summary}`);
        if (code !== 0) console.log(stdout.slice(-20_000), stderr.slice(-5_000));
        expect(code).toBe(0);
        expect(summary).toMatch(/\d+ passed/);
        expect(summary).not.toMatch(/failed|error/);
      } finally {
        rmSync(dirname(bin.path), { recursive: true, force: true });
      }
    },
    600_000,
  );
});
