/**
 * Bad targets fail early and say why (SPEC §7; issue 18 case 4), against a
 * real s3rver: an unknown access key (s3rver checks the key id: it answers
 * InvalidAccessKeyId, 403) and a bucket that does not exist (NoSuchBucket,
 * 404) are configuration errors — `serve` exits 2 before it listens, and so
 * does every backup command, saying credentials/access/bucket. An unreachable
 * target is not: the server starts, readiness stays true and health says
 * `degraded` while archival fails. Malformed URLs are refused. s3rver does not
 * check SigV4 signatures (a wrong secret passes there), so a bad signature and
 * AccessDenied are checked through the SDK's error names and HTTP status only.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { checkTargetUrl } from "../../../src/backup/open-target.ts";
import { isRefusal } from "../../../src/backup/s3-target.ts";
import { parseConfig } from "../../../src/config.ts";
import { startServer } from "../../../src/http/server.ts";
import { silentLogger } from "../../../src/logger.ts";
import { REPO } from "../../e2e/binary.ts";
import { waitFor } from "../../helpers/archive-load.ts";
import { type S3rverProcess, startS3rver } from "../../helpers/s3rver-process.ts";
import { startServeProcess } from "../../helpers/serve-process.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { run } from "../cli/cli-test-io.ts";
import { writeAssertions } from "./backup-fixture.ts";

let s3: S3rverProcess;
let tmp: TempDir;
let dataDir: string;

beforeAll(async () => {
  s3 = await startS3rver();
  tmp = tempDir("stemedb-bad-target-");
  dataDir = join(tmp.path, "data");
  const server = await startServer(parseConfig({ dataDir, port: 0 }, {}), silentLogger);
  await writeAssertions(server.engine, 5);
  await server.stop();
}, 60_000);

afterAll(async () => {
  await s3?.[Symbol.asyncDispose]();
  tmp?.[Symbol.dispose]();
});

const wrongKey = () => ({ ...s3.env, AWS_ACCESS_KEY_ID: "NOT-A-KEY", AWS_MAX_ATTEMPTS: "1" });

describe("a target that refuses the credentials or has no bucket is a configuration error", () => {
  const commands = (url: string) => [
    ["backup", "--data-dir", dataDir, "--to", url],
    ["restore", "--from", url, "--data-dir", join(tmp.path, "r")],
    ["archive-wal", "--data-dir", dataDir, "--to", url],
    ["prune", "--at", url, "--dry-run"],
    ["verify", "--backup", url],
    ["dr-drill", "--from", url],
  ];

  test("an unknown access key: every backup command exits 2 and says credentials", async () => {
    for (const argv of commands(s3.url("p"))) {
      const r = await run(argv, { env: wrongKey() });
      expect([argv[0], r.code, r.stdout]).toEqual([argv[0], 2, ""]);
      expect(r.stderr).toContain("config_invalid");
      expect(r.stderr).toContain("InvalidAccessKeyId");
      expect(r.stderr).toContain("check the credentials");
    }
  }, 60_000);

  test("no such bucket: every backup command exits 2 and names the bucket", async () => {
    for (const argv of commands("s3://no-such-bucket/p")) {
      const r = await run(argv, { env: { ...s3.env, AWS_MAX_ATTEMPTS: "1" } });
      expect([argv[0], r.code, r.stdout]).toEqual([argv[0], 2, ""]);
      expect(r.stderr).toContain("NoSuchBucket");
      expect(r.stderr).toContain("that bucket no-such-bucket exists");
    }
  }, 60_000);

  test("serve exits 2 before it listens, naming the target", async () => {
    const dir = join(tmp.path, "serve-refused");
    const started = startServeProcess(
      process.execPath,
      ["--data-dir", dir, "--port", "0", "--archive-to", s3.url("p")],
      { cwd: REPO, env: wrongKey(), script: join(REPO, "src/main.ts") },
    );
    const err = await started.then(
      () => new Error("serve started"),
      (e: unknown) => e as Error,
    );
    expect(err.message).toContain("serve exited (2) before listening");
    expect(err.message).toContain(`the backup target ${s3.url("p")} refused`);
  }, 60_000);

  test("the SDK's refusals by name and status; outages are not refusals", () => {
    for (const name of ["SignatureDoesNotMatch", "AccessDenied", "InvalidAccessKeyId"]) {
      expect(isRefusal({ name, $metadata: { httpStatusCode: 403 } })).toBe(true);
    }
    expect(isRefusal({ name: "Unknown", $metadata: { httpStatusCode: 403 } })).toBe(true); // a HEAD has no body
    expect(isRefusal({ name: "NoSuchBucket", $metadata: { httpStatusCode: 404 } })).toBe(true);
    expect(isRefusal({ name: "InternalError", $metadata: { httpStatusCode: 500 } })).toBe(false);
    expect(
      isRefusal(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })),
    ).toBe(false);
  });
});

test("an unreachable target is not a configuration error: the server starts, ready, health degraded", async () => {
  const dir = join(tmp.path, "serve-unreachable");
  const env = { ...s3.env, AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9", AWS_MAX_ATTEMPTS: "1" };
  const server = await startServer(
    parseConfig({ dataDir: dir, port: 0, archiveTo: s3.url("p"), archiveIntervalMs: 50 }, {}),
    silentLogger,
    { archiveEnv: env },
  );
  try {
    const health = await waitFor("health to say degraded", async () => {
      const h = (await (await fetch(`${server.url}/v1/health`)).json()) as {
        status: string;
        archive: { last_error: string | null; restorable: boolean };
      };
      return h.status === "degraded" && h;
    });
    expect(health.archive.last_error).not.toBeNull();
    expect(health.archive.restorable).toBe(false);
    expect((await fetch(`${server.url}/v1/health/ready`)).status).toBe(200);
  } finally {
    await server.stop();
  }
}, 60_000);

test("malformed target URLs are refused, never taken for a directory", async () => {
  for (const url of ["s3:/stemedb/prod", "S3://stemedb/prod", "gs://stemedb/prod", "s3:stemedb"]) {
    expect(() => checkTargetUrl(url)).toThrow("unsupported backup target");
    const r = await run(["backup", "--data-dir", dataDir, "--to", url]);
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toContain(`config_invalid: unsupported backup target "${url}"`);
  }
  expect(checkTargetUrl("./s3:/x")).toBe(join(process.cwd(), "s3:/x"));
});
