/**
 * The CLI's argument handling, in-process: usage errors exit 2 with a message
 * on stderr and nothing on stdout; --help and version exit 0; every serve
 * setting has its flag and names its environment variable.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../../package.json" with { type: "json" };
import { envName, flagName, SETTINGS } from "../../../src/config.ts";
import { run } from "./cli-test-io.ts";

const dir = mkdtempSync(join(tmpdir(), "stemedb-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ID = "ab".repeat(32);
const noNetwork = async (): Promise<Response> => {
  throw new Error("this test must not reach the network");
};

describe("usage errors exit 2", () => {
  const cases: [string, string[], RegExp][] = [
    ["unknown command", ["frobnicate"], /unknown command 'frobnicate'/],
    ["unknown flag", ["query", "--concept", "a", "--frob"], /unknown option '--frob'/],
    ["no command", [], /Usage: stemedb/],
    ["missing argument", ["proof"], /missing required argument 'id'/],
    ["excess argument", ["version", "extra"], /too many arguments/],
    ["bad id", ["proof", "XYZ"], /64 lowercase hex/],
    ["bad --as-of", ["query", "--concept", "a", "--as-of", "-1"], /non-negative integer/],
    ["bad --lens", ["query", "--concept", "a", "--lens", "best"], /Allowed choices are latest/],
    ["no filter", ["query"], /at least one of --concept, --predicate, --agent/],
    ["bad --confidence", ["assert", "--confidence", "1.5"], /between 0 and 1/],
    ["bad --batch", ["import", "x.ndjson", "--batch", "0"], /at least 1/],
    ["--from-size without --old-sth", ["proof", ID, "--from-size", "3"], /needs --old-sth/],
    ["serve: bad --port", ["serve", "--port", "http"], /invalid --port=http/],
    ["serve: bad env", ["serve"], /invalid STEMEDB_LOG_LEVEL=loud/],
  ];
  for (const [name, argv, message] of cases) {
    test(name, async () => {
      const env = name === "serve: bad env" ? { STEMEDB_LOG_LEVEL: "loud" } : {};
      const r = await run(argv, { env, fetch: noNetwork });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    });
  }

  test("assert: --value must be JSON, and flags need --key", async () => {
    const keyPath = join(dir, "u.key");
    expect((await run(["keygen", "--out", keyPath])).code).toBe(0);
    const notJson = await run(
      ["assert", "--key", keyPath, "--concept", "a", "--predicate", "p", "--value", "up"],
      { fetch: noNetwork },
    );
    expect([notJson.code, notJson.stdout]).toEqual([2, ""]);
    expect(notJson.stderr).toContain(`--value is not valid JSON`);
    const noKey = await run(["assert", "--concept", "a", "--predicate", "p", "--value", "1"], {
      fetch: noNetwork,
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("--key is required");
    const unsignedStdin = await run(["assert"], {
      stdin: JSON.stringify({ concept: "a", predicate: "p", value: 1 }),
      fetch: noNetwork,
    });
    expect(unsignedStdin.code).toBe(2);
    expect(unsignedStdin.stderr).toContain("needs --key");
  });
});

describe("help and version", () => {
  test("--help lists every command", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    for (const c of [
      "serve",
      "keygen",
      "assert",
      "query",
      "import",
      "proof",
      "verify",
      "version",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    }
  });

  test("each command has --help", async () => {
    for (const c of [
      "serve",
      "keygen",
      "assert",
      "query",
      "import",
      "proof",
      "verify",
      "version",
    ]) {
      const r = await run([c, "--help"]);
      expect([c, r.code, r.stderr]).toEqual([c, 0, ""]);
      expect(r.stdout).toContain(`Usage: stemedb ${c}`);
    }
  });

  test("serve --help has a flag and the env var for every setting", async () => {
    const r = await run(["serve", "--help"]);
    const flat = r.stdout.replace(/\s+/g, " ");
    for (const key of Object.keys(SETTINGS)) {
      expect(flat).toContain(`--${flagName(key)} <value>`);
      expect(flat).toContain(envName(key));
    }
  });

  test("version prints package.json's version", async () => {
    expect(await run(["version"])).toEqual({
      code: 0,
      stdout: `stemedb ${pkg.version}\n`,
      stderr: "",
    });
    expect((await run(["--version"])).stdout).toBe(`${pkg.version}\n`);
  });
});

describe("keygen", () => {
  test("--out writes a 0600 key file and prints its public key", async () => {
    const path = join(dir, "agent.key");
    const r = await run(["keygen", "--out", path]);
    expect(r.code).toBe(0);
    const file = JSON.parse(readFileSync(path, "utf8"));
    expect(r.stdout).toBe(`${file.public_key}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = await run(["keygen", "--out", path]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
  });

  test("without --out prints the key file JSON", async () => {
    const r = await run(["keygen"]);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(["secret_key", "public_key"]);
  });
});

describe("failures exit 1", () => {
  test("an unreachable server: network_error", async () => {
    const r = await run(["proof", ID, "--url", "http://127.0.0.1:9"], { fetch: noNetwork });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("network_error");
  });

  test("import of a missing file", async () => {
    const r = await run(["import", join(dir, "nope.ndjson")], { fetch: noNetwork });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot read");
  });

  test("verify of a missing data dir", async () => {
    const r = await run(["verify", join(dir, "nope")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL  data_dir");
  });
});
