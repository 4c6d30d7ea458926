import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  CLIENT_SETTINGS,
  envExample,
  envName,
  flagName,
  parseClientConfig,
  parseConfig,
  SETTINGS,
} from "../../../src/config.ts";
import { isStemeError } from "../../../src/errors.ts";
import { clientConfigRows, serverConfigRows } from "../../docs/config-table.ts";

describe("config", () => {
  test("defaults are the SPEC's embedded defaults", () => {
    const c = parseConfig();
    expect(c.dataDir).toBe("./data");
    expect(c.port).toBe(18180);
    expect(c.host).toBe("127.0.0.1");
    expect(c.maxBatch).toBe(1000);
    expect(c.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(c.maxValueBytes).toBe(16384);
    expect(c.maxSkewMs).toBe(300_000);
    expect(Object.isFrozen(c)).toBe(true);
  });

  test("flags override STEMEDB_* env, which overrides defaults", () => {
    const env = { STEMEDB_PORT: "9000", STEMEDB_DATA_DIR: "/srv/a", STEMEDB_HOST: "" };
    const c = parseConfig({ port: "9100" }, env);
    expect(c.port).toBe(9100);
    expect(c.dataDir).toBe("/srv/a");
    expect(c.host).toBe("127.0.0.1"); // empty env var = unset
  });

  test("an old name is still read: STEMEDB_READER_THREADS and readerThreads for httpThreads; the new name wins", () => {
    expect(parseConfig({}, { STEMEDB_READER_THREADS: "2" }).httpThreads).toBe(2);
    expect(parseConfig({ readerThreads: 3 } as never, {}).httpThreads).toBe(3);
    const both = { STEMEDB_READER_THREADS: "2", STEMEDB_HTTP_THREADS: "4" };
    expect(parseConfig({}, both).httpThreads).toBe(4);
    expect(() => parseConfig({}, { STEMEDB_READER_THREADS: "-1" })).toThrow(
      expect.objectContaining({
        code: "config_invalid",
        message: expect.stringContaining("STEMEDB_READER_THREADS"),
      }),
    );
  });

  test("a bad value names its source and setting", () => {
    try {
      parseConfig({}, { STEMEDB_PORT: "http" });
      throw new Error("unreachable");
    } catch (e) {
      expect(isStemeError(e, "config_invalid")).toBe(true);
      expect((e as Error).message).toContain("STEMEDB_PORT");
      expect((e as { field?: string }).field).toBe("port");
    }
    expect(() => parseConfig({ defaultTrust: "1.5" })).toThrow(/--default-trust/);
  });

  test("booleans take the usual spellings in any case, and a bad one says what is accepted", () => {
    for (const [raw, value] of [
      ["TRUE", true],
      ["True", true],
      ["yes", true],
      ["On", true],
      ["1", true],
      [" true ", true],
      ["FALSE", false],
      ["no", false],
      ["off", false],
      ["0", false],
    ] as const) {
      expect({ raw, value: parseConfig({}, { STEMEDB_ARCHIVE_SYNC: raw }).archiveSync }).toEqual({
        raw,
        value,
      });
    }
    expect(parseConfig({ archiveSync: true }).archiveSync).toBe(true);
    expect(() => parseConfig({}, { STEMEDB_QUARANTINE_SUSPICIOUS: "maybe" })).toThrow(
      "invalid STEMEDB_QUARANTINE_SUSPICIOUS=maybe: not a boolean: use true, 1, yes or on, or false, 0, no or off (any case)",
    );
  });

  test("names are derived from keys", () => {
    expect(envName("dataDir")).toBe("STEMEDB_DATA_DIR");
    expect(flagName("maxBodyBytes")).toBe("max-body-bytes");
  });

  test(".env.example lists every setting and matches the settings table", () => {
    const file = readFileSync(join(import.meta.dir, "../../../.env.example"), "utf8");
    expect(file).toBe(envExample());
    for (const key of Object.keys(SETTINGS)) expect(file).toContain(envName(key));
    for (const key of Object.keys(CLIENT_SETTINGS)) expect(file).toContain(envName(key));
  });

  test("client settings: same precedence, the agent key's flag is --key", () => {
    expect(parseClientConfig()).toEqual({
      url: "http://127.0.0.1:18180",
      agentKey: undefined,
      serverKey: undefined,
      operatorKeys: undefined,
    });
    const env = { STEMEDB_URL: "http://db:1", STEMEDB_AGENT_KEY: "/k/a.key" };
    expect(parseClientConfig({}, env)).toMatchObject({ url: "http://db:1", agentKey: "/k/a.key" });
    expect(parseClientConfig({ url: "http://flag:2" }, env).url).toBe("http://flag:2");
    expect(flagName("agentKey", CLIENT_SETTINGS.agentKey)).toBe("key");
    expect(() => parseClientConfig({}, { STEMEDB_SERVER_KEY: "abc" })).toThrow(
      /STEMEDB_SERVER_KEY=abc: must be 64 lowercase hex chars/,
    );
    const [k1, k2] = ["ab".repeat(32), "cd".repeat(32)];
    expect(flagName("operatorKeys", CLIENT_SETTINGS.operatorKeys)).toBe("operator-key");
    expect(parseClientConfig({}, { STEMEDB_OPERATOR_KEYS: `${k1},${k2}` }).operatorKeys).toBe(
      `${k1},${k2}`,
    );
    expect(() => parseClientConfig({ operatorKeys: `${k1},nope` })).toThrow(
      /--operator-key=.*: must be 64-hex keys separated by commas/,
    );
  });
});

const REPO = join(import.meta.dir, "../../..");

describe("the configuration docs", () => {
  test("README's configuration tables have exactly one generated row per setting", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const section = readme.split("\n## Configuration\n")[1]?.split("\n## ")[0] ?? "";
    const rows = section.split("\n").filter((l) => l.startsWith("| `STEMEDB_"));
    // A missing, stale or extra row fails; regenerate with tests/docs/print-config-table.ts.
    expect(rows).toEqual([...serverConfigRows(), ...clientConfigRows()]);
  });

  test("every STEMEDB_* name in the README, .env.example and ops/ is a setting", () => {
    // A setting's old name (`alias`) is still read, so docs may name it.
    const aliases = Object.values(SETTINGS).flatMap((s) =>
      "alias" in s && typeof s.alias === "string" ? [s.alias] : [],
    );
    const known = new Set(
      [...Object.keys(SETTINGS), ...Object.keys(CLIENT_SETTINGS), ...aliases].map(envName),
    );
    const files = [
      "README.md",
      ".env.example",
      ...readdirSync(join(REPO, "ops"), { recursive: true, encoding: "utf8" }).map(
        (f) => `ops/${f}`,
      ),
    ].filter((f) => statSync(join(REPO, f)).isFile());
    const unknown: string[] = [];
    for (const f of files) {
      for (const m of readFileSync(join(REPO, f), "utf8").matchAll(/\bSTEMEDB_[A-Z0-9_]+/g)) {
        const name = m[0];
        // `STEMEDB_AGENT_BREAKER_*` names a family: it must prefix a setting.
        const family = name.endsWith("_") && [...known].some((k) => k.startsWith(name));
        if (!known.has(name) && !family) {
          unknown.push(`${f}: ${name}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });
});
