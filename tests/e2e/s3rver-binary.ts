/**
 * The fixture of the end-to-end tests that run the compiled binary against a
 * real s3rver (SPEC §7): `binaryOnS3rver(name)` registers the beforeAll that
 * builds the binary and starts s3rver (in parallel) and makes a work dir, and
 * the afterAll that kills every server it started, s3rver, and removes both
 * dirs. Its fields are set once beforeAll ran. `archivedAll` waits until a
 * server reports everything archived and the URL restorable.
 */
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import type { ArchiveStatus } from "../../src/backup/archiver.ts";
import { archiveHealth, waitFor } from "../helpers/archive-load.ts";
import { type S3rverProcess, startS3rver } from "../helpers/s3rver-process.ts";
import { type ServeProcess, startServeProcess } from "../helpers/serve-process.ts";
import { buildBinary, type Result, runBinary } from "./binary.ts";

export interface BinaryOnS3rver {
  bin: string;
  s3: S3rverProcess;
  work: string;
  /** Runs the binary in the work dir with s3rver's AWS environment. */
  run(args: string[]): Promise<Result>;
  /** `serve` with s3rver's AWS environment (plus `env`), killed by the afterAll. */
  serve(args: string[], env?: Record<string, string>): Promise<ServeProcess>;
  /** An SDK client of s3rver, as any S3 client would talk to it (destroy it after use). */
  client(): S3Client;
}

export function binaryOnS3rver(name: string): BinaryOnS3rver {
  const servers: ServeProcess[] = [];
  const f = {
    run: (args: string[]) => runBinary(f.bin, args, { cwd: f.work, env: f.s3.env }),
    async serve(args: string[], env: Record<string, string> = {}) {
      const s = await startServeProcess(f.bin, args, {
        cwd: f.work,
        env: { ...f.s3.env, ...env },
      });
      servers.push(s);
      return s;
    },
    client: () =>
      new S3Client({
        endpoint: f.s3.endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      }),
  } as BinaryOnS3rver;
  beforeAll(async () => {
    [f.bin, f.s3] = await Promise.all([buildBinary().then((b) => b.path), startS3rver()]);
    f.work = mkdtempSync(join(tmpdir(), `stemedb-e2e-${name}-`));
  }, 180_000);
  afterAll(async () => {
    for (const s of servers) if (s.proc.exitCode === null) await s.stop("SIGKILL");
    await f.s3?.[Symbol.asyncDispose]();
    if (f.work) rmSync(f.work, { recursive: true, force: true });
    if (f.bin) rmSync(dirname(f.bin), { recursive: true, force: true });
  });
  return f;
}

/** Waits until the server at `url` archived everything it logged and its URL is restorable. */
export function archivedAll(url: string): Promise<ArchiveStatus> {
  return waitFor(
    "the archive to catch up",
    async () => {
      const a = await archiveHealth(url);
      return a.last_error === null && a.archived_lsn === a.log_last_lsn && a.restorable && a;
    },
    120_000, // a shared 2-core machine under load
  );
}
