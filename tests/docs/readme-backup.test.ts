/**
 * The README's "Backup and recovery" commands run verbatim, in order, through
 * the CLI against a real server and a real s3rver; only the bucket URL, the
 * paths, the server address and the --until-time value (after the test's own
 * writes) are substituted. The archive under the same URL is shipped first
 * with `archive-wal`, as a deployment with continuous archival has it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { parseConfig } from "../../src/config.ts";
import { type RunningServer, startServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logger.ts";
import { type S3rverProcess, startS3rver } from "../helpers/s3rver-process.ts";
import { type TempDir, tempDir } from "../helpers/temp-dir.ts";
import { writeAssertions } from "../unit/backup/backup-fixture.ts";
import { run } from "../unit/cli/cli-test-io.ts";
import { README } from "./readme-server.ts";

const section = README.slice(README.indexOf("## Backup and recovery"));
const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
const commands = block.split("\n").filter((line) => line.startsWith("stemedb "));

let tmp: TempDir;
let s3: S3rverProcess;
let server: RunningServer;

beforeAll(async () => {
  tmp = tempDir("stemedb-readme-backup-");
  s3 = await startS3rver();
  server = await startServer(
    parseConfig({ dataDir: join(tmp.path, "data"), port: 0 }),
    silentLogger,
  );
  await writeAssertions(server.engine, 10);
  const shipped = await run(
    ["archive-wal", "--data-dir", join(tmp.path, "data"), "--to", s3.url("prod/node-1")],
    { env: s3.env },
  );
  expect([shipped.code, shipped.stderr]).toEqual([0, ""]);
}, 30_000);

afterAll(async () => {
  await server.stop();
  await s3[Symbol.asyncDispose]();
  tmp[Symbol.dispose]();
});

test("the README documents backup, verify --backup, restore (and its points) and dr-drill", () => {
  const verbs = commands.map((c) => c.split(" ").slice(0, 2).join(" "));
  expect(new Set(verbs)).toEqual(
    new Set(["stemedb backup", "stemedb verify", "stemedb restore", "stemedb dr-drill"]),
  );
});

test("each README backup command works as written", async () => {
  for (const command of commands) {
    const line = command
      .replaceAll("s3://acme-stemedb/prod/node-1", s3.url("prod/node-1"))
      .replaceAll("http://127.0.0.1:18180", server.url)
      .replaceAll(" ./", ` ${tmp.path}/`)
      .replace(/--until-time \S+/, `--until-time ${new Date().toISOString()}`);
    const r = await run(line.split(" ").slice(1), { env: s3.env });
    expect({ command, code: r.code, stderr: r.stderr }).toEqual({ command, code: 0, stderr: "" });
  }
}, 60_000);
