/**
 * The backup commands against S3 — a real s3rver in its own process, never a
 * mock (SPEC §7) — configured only by the AWS SDK's environment plus
 * STEMEDB_S3_FORCE_PATH_STYLE: `backup`, `archive-wal` for what followed,
 * `verify --backup`, `restore` to the latest point and to a seq.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Engine } from "../../../src/engine/engine.ts";
import { toHex } from "../../../src/hex.ts";
import { type S3rverProcess, startS3rver } from "../../helpers/s3rver-process.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { run } from "../cli/cli-test-io.ts";
import { openLive, writeAssertions } from "./backup-fixture.ts";

let tmp: TempDir;
let s3: S3rverProcess;
let live: Engine;
let liveDir: string;
let url: string;

beforeAll(async () => {
  tmp = tempDir("stemedb-backup-s3-");
  s3 = await startS3rver();
  url = s3.url("prod/node-1");
  liveDir = join(tmp.path, "live");
  live = await openLive(liveDir);
  await writeAssertions(live, 30);
}, 30_000);

afterAll(async () => {
  await live.close();
  await s3[Symbol.asyncDispose]();
  tmp[Symbol.dispose]();
});

describe("backup and restore on S3", () => {
  test("backup, archive-wal, verify --backup, restore latest and --until-seq", async () => {
    const env = s3.env;
    const b = await run(["backup", "--data-dir", liveDir, "--to", url, "--json"], { env });
    expect([b.code, b.stderr]).toEqual([0, ""]);
    await writeAssertions(live, 20);
    const a = await run(["archive-wal", "--data-dir", liveDir, "--to", url], { env });
    expect([a.code, a.stderr]).toEqual([0, ""]);

    const v = await run(["verify", "--backup", url], { env });
    expect([v.code, v.stderr]).toEqual([0, ""]);

    const dir = join(tmp.path, "restored");
    const r = await run(["restore", "--from", url, "--data-dir", dir, "--json"], { env });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const report = JSON.parse(r.stdout);
    expect(report.staged.tree_size).toBe(50);
    expect(report.root).toBe(toHex(live.tree.root(50)));

    const pit = join(tmp.path, "pit");
    const p = await run(
      ["restore", "--from", url, "--data-dir", pit, "--until-seq", "42", "--json"],
      { env },
    );
    expect([p.code, p.stderr]).toEqual([0, ""]);
    expect(JSON.parse(p.stdout).root).toBe(toHex(live.tree.root(42)));
  }, 60_000);
});
