/**
 * One flipped byte in each kind of backup object — the SQLite snapshot, the
 * snapshot's log tail, an archived range, metadata.json — is caught by
 * `verify --backup`, named in the report, and exits non-zero; a restore from
 * it places nothing. The same for a live data dir's segment (`verify DIR`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { restoreDataDir } from "../../../src/backup/restore-data-dir.ts";
import { type BackupSummary, takeBackup } from "../../../src/backup/take-backup.ts";
import { verifyBackup } from "../../../src/backup/verify-backup.ts";
import { verifyDataDir } from "../../../src/verify/verify-data-dir.ts";
import { shipRange } from "../../helpers/ship-archive.ts";
import { type TempDir, tempDir } from "../../helpers/temp-dir.ts";
import { run } from "../cli/cli-test-io.ts";
import { openLive, writeAssertions } from "./backup-fixture.ts";

let tmp: TempDir;
let good: string;
let liveDir: string;
let backup: BackupSummary;
let archiveKey: string;
let copies = 0;

beforeAll(async () => {
  tmp = tempDir("stemedb-corrupt-");
  liveDir = join(tmp.path, "live");
  good = join(tmp.path, "good");
  const live = await openLive(liveDir);
  await writeAssertions(live, 40);
  backup = await takeBackup({
    dataDir: liveDir,
    target: new DirTarget(good),
    version: "test",
    // Writes that land between the snapshot and the log read: the backup's log tail.
    afterSnapshot: async () => {
      await writeAssertions(live, 10);
    },
  });
  await writeAssertions(live, 20);
  archiveKey = await shipRange(liveDir, new DirTarget(good), backup.last_lsn + 1, live.log.lastLsn);
  await live.close();
}, 30_000);

afterAll(() => tmp[Symbol.dispose]());

/** A copy of the good target with one byte flipped in the middle of `key`. */
function corrupt(key: string): string {
  const dir = join(tmp.path, `bad-${++copies}`);
  cpSync(good, dir, { recursive: true });
  const path = join(dir, key);
  const bytes = readFileSync(path);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  writeFileSync(path, bytes);
  return dir;
}

describe("the good backup", () => {
  test("has a log tail and an archive, and verifies", async () => {
    expect(backup.log_records).toBe(10);
    expect(backup.objects.map((o) => o.name)).toEqual(["state.sqlite.zst", "log.zst"]);
    const report = await verifyBackup(new DirTarget(good));
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.counts.tree_size).toBe(70);
  }, 30_000);

  test("verify --backup fetches each object once (get or getChunks)", async () => {
    const dir = new DirTarget(good);
    const gets = new Map<string, number>();
    const counting = {
      url: dir.url,
      put: (k: string, b: Uint8Array) => dir.put(k, b),
      list: (p: string, s?: string) => dir.list(p, s),
      delete: (k: string) => dir.delete(k),
      putChunks: (k: string, c: AsyncIterable<Uint8Array>) => dir.putChunks(k, c),
      get: (k: string) => {
        gets.set(k, (gets.get(k) ?? 0) + 1);
        return dir.get(k);
      },
      getChunks: (k: string) => {
        gets.set(k, (gets.get(k) ?? 0) + 1);
        return dir.getChunks(k);
      },
    };
    const report = await verifyBackup(counting);
    expect(report.ok).toBe(true);
    const all = (await dir.list("")).map((o) => o.key);
    expect(all).toContain(archiveKey);
    expect(Object.fromEntries(gets)).toEqual(Object.fromEntries(all.map((k) => [k, 1])));
  }, 30_000);
});

describe("one flipped byte", () => {
  const kinds = [
    ["the SQLite snapshot", () => `${backup.prefix}state.sqlite.zst`],
    ["the snapshot's log tail", () => `${backup.prefix}log.zst`],
    ["an archived range", () => archiveKey],
    ["metadata.json", () => `${backup.prefix}metadata.json`],
  ] as const;
  for (const [what, key] of kinds) {
    test(`in ${what} is caught, named, and exits 1; a restore places nothing`, async () => {
      const dir = corrupt(key());
      const report = await verifyBackup(new DirTarget(dir));
      expect(report.ok).toBe(false);
      const named = report.checks.filter(
        (c) => !c.ok && c.where !== undefined && "object" in c.where && c.where.object === key(),
      );
      expect(named.length).toBeGreaterThan(0);
      const cli = await run(["verify", "--backup", dir]);
      expect(cli.code).toBe(1);
      expect(cli.stdout).toContain(`FAIL  backup.`);
      expect(cli.stdout).toContain(key());
      const into = join(tmp.path, `restore-${copies}`);
      await expect(
        restoreDataDir({ target: new DirTarget(dir), dataDir: into, point: { kind: "latest" } }),
      ).rejects.toThrow();
      expect(existsSync(into)).toBe(false);
    }, 30_000);
  }
});

describe("a live data dir", () => {
  test("a flipped byte in an older segment is caught and named by verify DIR", async () => {
    const dir = join(tmp.path, "live-copy");
    cpSync(liveDir, dir, { recursive: true });
    const segments = readdirSync(join(dir, "wal")).sort();
    expect(segments.length).toBeGreaterThan(1);
    const name = segments[0] as string;
    const path = join(dir, "wal", name);
    const bytes = readFileSync(path);
    bytes[100] = (bytes[100] as number) ^ 0x01;
    writeFileSync(path, bytes);
    const report = await verifyDataDir(dir);
    expect(report.ok).toBe(false);
    expect(
      report.checks.some(
        (c) => !c.ok && c.where !== undefined && "segment" in c.where && c.where.segment === name,
      ),
    ).toBe(true);
    const cli = await run(["verify", dir]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`FAIL  log.segments [${name}`);
  });
});
