/**
 * `stemedb import` against a real server (port 0, temp data dir) whose
 * per-agent rate limit (SPEC §6) is far below the import's pace: the items a
 * 200 batch rejects as `rate_limited` are sent again with back-off until every
 * line is recorded, and the summary counts none of them as rejected.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../../src/config.ts";
import { type RunningServer, startServer } from "../../../src/http/server.ts";
import { silentLogger } from "../../../src/logger.ts";
import { run } from "./cli-test-io.ts";

const LINES = 60;
let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stemedb-cli-rate-"));
  const config = parseConfig({
    dataDir: join(dir, "data"),
    port: 0,
    rateAssertPerAgent: 40,
    rateBurstSeconds: 0.5,
  });
  server = await startServer(config, silentLogger);
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("import under a per-agent rate limit", () => {
  test("items rejected rate_limited inside a 200 batch are sent again with back-off until recorded", async () => {
    const keyPath = join(dir, "agent.key");
    await run(["keygen", "--out", keyPath]);
    const file = join(dir, "in.ndjson");
    const lines = Array.from({ length: LINES }, (_, i) =>
      JSON.stringify({ concept: `acme/rate/n${i}`, predicate: "status", value: i }),
    );
    writeFileSync(file, `${lines.join("\n")}\n`);

    const r = await run(["import", file, "--url", server.url, "--key", keyPath]);
    expect(r.stdout).toBe(
      `imported ${LINES} line(s): accepted ${LINES}, duplicates 0, quarantined 0, rejected 0\n`,
    );
    expect(r.code).toBe(0);
    // The limit did bite (a 1000-line batch holds all 60), and the import waited it out.
    expect(r.stderr).toMatch(/^\d+ item\(s\) rate limited; sending them again in \d+ ms\n/);
    const root = (await (await fetch(`${server.url}/v1/merkle/root`)).json()) as {
      tree_size: number;
    };
    expect(root.tree_size).toBe(LINES);
  });
});
