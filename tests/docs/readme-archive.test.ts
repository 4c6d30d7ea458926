/**
 * The README's "Continuous archival and prune" commands (`archive-wal` and
 * `prune` lines of its sh block) run verbatim, in order, through the CLI
 * beside a real running server and against a real s3rver; only the bucket
 * URL, the paths and the binary's name (`dist/stemedb` → the CLI in-process)
 * are substituted. `serve` lines start servers and are exercised by
 * tests/unit/backup and tests/e2e/archive.e2e.test.ts instead.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { parseConfig } from "../../src/config.ts";
import { type RunningServer, startServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logger.ts";
import { prepare, testAgent } from "../helpers/agents.ts";
import { type S3rverProcess, startS3rver } from "../helpers/s3rver-process.ts";
import { type TempDir, tempDir } from "../helpers/temp-dir.ts";
import { run } from "../unit/cli/cli-test-io.ts";
import { README } from "./readme-server.ts";

const section = README.slice(README.indexOf("## Continuous archival and prune"));
const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
const commands = block
  .split("\n")
  .filter((l) => /^dist\/stemedb (archive-wal|prune) /.test(l) && !l.endsWith("\\"));

let tmp: TempDir;
let s3: S3rverProcess;
let server: RunningServer;

beforeAll(async () => {
  tmp = tempDir("stemedb-readme-archive-");
  s3 = await startS3rver();
  server = await startServer(
    parseConfig({ dataDir: join(tmp.path, "data"), port: 0 }),
    silentLogger,
  );
  const agent = testAgent(9);
  for (let i = 0; i < 5; i++) {
    await server.engine.ingest([
      prepare(
        agent.sign({
          concept: "readme/archive",
          predicate: "n",
          value: i,
          ts: 1_767_225_600_000 + i,
        }),
      ),
    ]);
  }
}, 30_000);

afterAll(async () => {
  await server.stop();
  await s3[Symbol.asyncDispose]();
  tmp[Symbol.dispose]();
});

test("the README shows archive-wal (to S3 and to a directory) and prune (plan and run)", () => {
  expect(commands.filter((c) => c.includes(" archive-wal ")).length).toBe(2);
  expect(commands.filter((c) => c.includes(" prune ")).length).toBe(2);
});

test("each README archive-wal and prune command works as written", async () => {
  for (const command of commands) {
    const argv = command
      .replaceAll("s3://acme-stemedb/prod", s3.url("prod"))
      .replaceAll("/mnt/backup/stemedb", join(tmp.path, "backup"))
      .replaceAll(" ./", ` ${tmp.path}/`)
      .replace(/\s+#.*$/, "")
      .split(/\s+/)
      .slice(1);
    const r = await run(argv, { env: s3.env });
    expect([command, r.code, r.stderr]).toEqual([command, 0, ""]);
    if (argv[0] === "archive-wal" && argv.includes("--json")) {
      expect(JSON.parse(r.stdout).records).toBe(5);
    }
  }
}, 60_000);
