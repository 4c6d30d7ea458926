/**
 * `stemedb install-units` (issue 18): the units embedded in the binary are
 * exactly ops/systemd's; they are written byte for byte (again on a second run,
 * as "same"); an existing environment file is kept; `--print` writes nothing.
 * tests/e2e/cli.e2e.test.ts runs the same through the compiled binary.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENV_FILE_TEXT, UNIT_FILES } from "../../../src/cli/unit-files.ts";
import { REPO } from "../../e2e/binary.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { run } from "./cli-test-io.ts";

const OPS = join(REPO, "ops/systemd");
const shipped = readdirSync(OPS).filter((f) => /\.(service|timer)$/.test(f));

describe("install-units", () => {
  test("the embedded units are ops/systemd's, every one of them", () => {
    expect(Object.keys(UNIT_FILES).sort()).toEqual(shipped.sort());
    for (const name of shipped) {
      expect(UNIT_FILES[name]).toBe(readFileSync(join(OPS, name), "utf8"));
    }
    expect(ENV_FILE_TEXT).toBe(readFileSync(join(OPS, "stemedb.env"), "utf8"));
  });

  test("writes the units (0644) and the env file (0640); a second run rewrites nothing and keeps the env file", async () => {
    using dir = tempDir("stemedb-install-units-");
    const units = join(dir.path, "system");
    const envFile = join(dir.path, "stemedb", "stemedb.env");
    const first = await run(["install-units", "--dir", units, "--env-file", envFile]);
    expect([first.code, first.stderr]).toEqual([0, ""]);
    for (const name of shipped) {
      expect(readFileSync(join(units, name), "utf8")).toBe(readFileSync(join(OPS, name), "utf8"));
      expect(statSync(join(units, name)).mode & 0o777).toBe(0o644);
      expect(first.stdout).toContain(`wrote    ${join(units, name)}`);
    }
    expect(statSync(envFile).mode & 0o777).toBe(0o640);

    writeFileSync(envFile, "BACKUP_URL=s3://mine/prod\n");
    const second = await run(["install-units", "--dir", units, "--env-file", envFile]);
    expect([second.code, second.stderr]).toEqual([0, ""]);
    expect(second.stdout).toContain(`same     ${join(units, "stemedb.service")}`);
    expect(second.stdout).toContain(`kept     ${envFile}`);
    expect(readFileSync(envFile, "utf8")).toBe("BACKUP_URL=s3://mine/prod\n");
  });

  test("--print writes nothing and prints each file under the path it would take", async () => {
    using dir = tempDir("stemedb-install-units-");
    const units = join(dir.path, "system");
    const r = await run(["install-units", "--dir", units, "--print"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(existsSync(units)).toBe(false);
    expect(r.stdout).toContain(
      `# ==> ${join(units, "stemedb.service")} <==\n${readFileSync(join(OPS, "stemedb.service"), "utf8")}`,
    );
    expect(r.stdout).toContain("# ==> /etc/stemedb/stemedb.env <==");
  });
});
