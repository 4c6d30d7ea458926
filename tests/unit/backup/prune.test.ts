/**
 * `stemedb prune` (SPEC §7: never deletes what a kept snapshot needs): the
 * plan's rules on crafted listings (days, ISO weeks, the archive after the
 * oldest kept snapshot, straddling ranges, incomplete snapshots, no snapshot
 * at all), then the command on a directory and on a real s3rver — `--dry-run`
 * deletes nothing and prints the keys in deletion order; a real run deletes
 * exactly those; a delete that fails exits 1 and says how to hand the plan on.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { archiveKey, snapshotPrefix } from "../../../src/backup/backup-layout.ts";
import type { BackupTarget, ObjectInfo } from "../../../src/backup/backup-target.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { ROOT_HISTORY } from "../../../src/backup/history.ts";
import { isoWeek, planPrune } from "../../../src/backup/prune-plan.ts";
import { makeS3Client, S3Target } from "../../../src/backup/s3-target.ts";
import { cutProxy } from "../../helpers/cut-proxy.ts";
import { S3_BUCKET, startS3rver } from "../../helpers/s3rver-process.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { run } from "../cli/cli-test-io.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 30, 3, 0, 0); // Monday 2026-11-30 03:00 UTC
const hash = (n: number) => n.toString(16).padStart(64, "0");

/** A snapshot every day at 03:00 for `days` days back (the newest first), each `lsnPerDay` further. */
function history(days: number, lsnPerDay = 100): ObjectInfo[] {
  const out: ObjectInfo[] = [];
  for (let d = 0; d < days; d++) {
    const lsn = (days - d) * lsnPerDay;
    const prefix = snapshotPrefix(ROOT_HISTORY, lsn, T0 - d * DAY);
    out.push({ key: `${prefix}state.sqlite.zst`, size: 1000 });
    out.push({ key: `${prefix}log.zst`, size: 10 });
    out.push({ key: `${prefix}metadata.json`, size: 1 });
  }
  // Archive objects of 50 records each, from lsn 1.
  for (let first = 1; first <= days * lsnPerDay; first += 50) {
    out.push({ key: archiveKey(ROOT_HISTORY, first, first + 49, hash(first)), size: 7 });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

describe("planPrune", () => {
  test("ISO weeks: the week's Thursday decides the year", () => {
    expect(isoWeek(Date.UTC(2026, 0, 1))).toBe("2026-W01"); // a Thursday
    expect(isoWeek(Date.UTC(2024, 11, 30))).toBe("2025-W01"); // Monday of 2025's first week
    expect(isoWeek(Date.UTC(2021, 0, 3))).toBe("2020-W53"); // Sunday
    expect(isoWeek(T0)).toBe("2026-W49");
  });

  test("keeps the newest of each of the last N days and M weeks; the archive after the oldest kept stays", () => {
    const listing = history(30);
    const plan = planPrune(listing, { keepDaily: 3, keepWeekly: 2 });
    // Days: 11-30, 11-29, 11-28. Weeks: W49 (11-30) and W48 (its newest: Sunday 11-29).
    const kept = plan.kept.map((s) => s.createdAt.slice(0, 10));
    expect(kept).toEqual(["2026-11-30", "2026-11-29", "2026-11-28"]);
    const oldestLsn = Math.min(...plan.kept.map((s) => s.lastLsn));
    expect(oldestLsn).toBe(2800);
    for (const key of plan.archive)
      expect(Number(key.slice(25, 41))).toBeLessThanOrEqual(oldestLsn);
    // Every archive object ending after the oldest kept snapshot stays.
    const kept_archive = listing.filter(
      (o) => o.key.startsWith("archive/") && !plan.archive.includes(o.key),
    );
    expect(kept_archive.length).toBe(4); // 2801..3000 in 50s
    expect(plan.dropped.length).toBe(27);
    // Deletion order: each dropped snapshot's metadata.json before its other objects, archive last.
    const first = plan.dropped[0]?.prefix as string;
    expect(plan.delete[0]).toBe(`${first}metadata.json`);
    expect(plan.delete.at(-1)?.startsWith("archive/")).toBe(true);
    expect(plan.delete.length).toBe(27 * 3 + plan.archive.length);
  });

  test("weekly buckets reach further back than the daily ones", () => {
    const plan = planPrune(history(30), { keepDaily: 1, keepWeekly: 3 });
    expect(plan.kept.map((s) => s.createdAt.slice(0, 10))).toEqual([
      "2026-11-30", // W49
      "2026-11-29", // W48's newest
      "2026-11-22", // W47's newest
    ]);
  });

  test("a range that straddles the oldest kept snapshot stays", () => {
    const listing = [
      { key: `${snapshotPrefix(ROOT_HISTORY, 75, T0)}metadata.json`, size: 1 },
      { key: archiveKey(ROOT_HISTORY, 1, 50, hash(1)), size: 1 },
      { key: archiveKey(ROOT_HISTORY, 51, 100, hash(2)), size: 1 },
      { key: archiveKey(ROOT_HISTORY, 101, 150, hash(3)), size: 1 },
    ];
    const plan = planPrune(listing, { keepDaily: 1, keepWeekly: 0 });
    expect(plan.delete).toEqual([archiveKey(ROOT_HISTORY, 1, 50, hash(1))]);
  });

  test("incomplete snapshots: older than the oldest kept go, newer (maybe running) stay", () => {
    const listing = [
      { key: `${snapshotPrefix(ROOT_HISTORY, 10, T0 - 5 * DAY)}state.sqlite.zst`, size: 1 }, // died long ago
      { key: `${snapshotPrefix(ROOT_HISTORY, 50, T0 - DAY)}metadata.json`, size: 1 },
      { key: `${snapshotPrefix(ROOT_HISTORY, 90, T0)}state.sqlite.zst`, size: 1 }, // running now
    ];
    const plan = planPrune(listing, { keepDaily: 1, keepWeekly: 0 });
    expect(plan.delete).toEqual([
      `${snapshotPrefix(ROOT_HISTORY, 10, T0 - 5 * DAY)}state.sqlite.zst`,
    ]);
    expect(plan.kept.map((s) => s.lastLsn)).toEqual([90, 50]);
  });

  test("histories: a branch keeps its base in the parent and the parent's archive up to its branch point", () => {
    // Old history H1: snapshots at 1000 (two days ago) and 3000 (now), archive 1..3000.
    // Branch H2 (from H1 at lsn 2500, yesterday): its own archive 2501..2600, no snapshot.
    const h1 = "20261127T030000000Z-0000aaaa";
    const h2 = "20261129T030000000Z-0000bbbb";
    const records = new Map([
      [h1, { id: h1, parent: null, branch_lsn: null, created_at: T0 - 3 * DAY }],
      [h2, { id: h2, parent: h1, branch_lsn: 2500, created_at: T0 - DAY }],
    ]);
    const listing: ObjectInfo[] = [
      { key: `${snapshotPrefix(h1, 1000, T0 - 2 * DAY)}metadata.json`, size: 1 },
      { key: `${snapshotPrefix(h1, 3000, T0)}metadata.json`, size: 1 },
    ];
    for (let first = 1; first <= 3000; first += 500) {
      listing.push({ key: archiveKey(h1, first, first + 499, hash(first)), size: 1 });
    }
    listing.push({ key: archiveKey(h2, 2501, 2600, hash(9)), size: 1 });
    const plan = planPrune(listing, { keepDaily: 1, keepWeekly: 0 }, records);
    // Without histories only the newest (H1 at 3000) would stay and H1's archive up to 3000 would go:
    // H2 could no longer be restored. Its base (H1 at 1000) and H1's archive 1001..2500 stay.
    expect(plan.kept.map((s) => [s.history, s.lastLsn])).toEqual([
      [h1, 3000],
      [h1, 1000],
    ]);
    expect(plan.delete).toEqual([
      archiveKey(h1, 1, 500, hash(1)),
      archiveKey(h1, 501, 1000, hash(501)),
    ]);
    // The same listing without the records still keeps every history's objects it cannot place.
    expect(planPrune(listing, { keepDaily: 1, keepWeekly: 0 }).delete).not.toContain(
      archiveKey(h2, 2501, 2600, hash(9)),
    );
  });

  test("with no complete snapshot nothing is deleted: the archive is the only way back", () => {
    const listing = [
      { key: `${snapshotPrefix(ROOT_HISTORY, 10, T0 - 5 * DAY)}state.sqlite.zst`, size: 1 },
      { key: archiveKey(ROOT_HISTORY, 1, 50, hash(1)), size: 1 },
    ];
    expect(planPrune(listing, { keepDaily: 1, keepWeekly: 1 }).delete).toEqual([]);
  });
});

async function seed(target: BackupTarget, listing: ObjectInfo[]): Promise<void> {
  for (const o of listing) await target.put(o.key, new Uint8Array(o.size));
}

async function pruneCli(url: string, env: Record<string, string>, target: BackupTarget) {
  const listing = history(10);
  await seed(target, listing);
  const args = ["prune", "--at", url, "--keep-daily", "2", "--keep-weekly", "1"];
  const dry = await run([...args, "--dry-run", "--json"], { env });
  expect([dry.code, dry.stderr]).toEqual([0, ""]);
  const plan = JSON.parse(dry.stdout);
  expect(plan.dry_run).toBe(true);
  expect(plan.deleted).toBe(0);
  expect(plan.kept.map((s: { lastLsn: number }) => s.lastLsn)).toEqual([1000, 900]);
  expect(plan.delete.length).toBe(8 * 3 + 18); // 8 snapshots; archive 1..900 (ends ≤ 900)
  expect((await target.list("")).length).toBe(listing.length); // nothing deleted

  const real = await run(args, { env });
  expect([real.code, real.stderr]).toEqual([0, ""]);
  expect(real.stdout).toContain(`deleted ${plan.delete.length} object(s)`);
  const left = (await target.list("")).map((o) => o.key);
  expect(left).toEqual(listing.map((o) => o.key).filter((k) => !plan.delete.includes(k)));
  const again = await run([...args, "--json"], { env });
  expect(JSON.parse(again.stdout).delete).toEqual([]);
}

describe("stemedb prune", () => {
  test("on a directory: --dry-run plans, the run deletes exactly the plan", async () => {
    using dir = tempDir();
    const to = join(dir.path, "backups");
    await pruneCli(to, {}, new DirTarget(to));
  });

  test("on a real s3rver; a failing delete exits 1 and points at --dry-run", async () => {
    await using s3 = await startS3rver();
    const target = new S3Target(
      makeS3Client({ s3ForcePathStyle: true }, s3.env),
      { bucket: S3_BUCKET, prefix: "p/" },
      s3.url("p"),
    );
    await pruneCli(s3.url("p"), s3.env, target);

    await seed(target, [
      { key: `${snapshotPrefix(ROOT_HISTORY, 1, T0 - 40 * DAY)}metadata.json`, size: 1 },
    ]);
    const usage = await run(
      ["prune", "--at", s3.url("p"), "--keep-daily", "0", "--keep-weekly", "0"],
      {
        env: s3.env,
      },
    );
    expect(usage.code).toBe(2);
    // Deletes refused mid-prune (the connection dies at the first DELETE, as a
    // principal without delete rights would be stopped there): exit 1, the key named.
    await using proxy = await cutProxy(
      s3.port,
      Number.POSITIVE_INFINITY,
      (chunk) => chunk.subarray(0, 7).toString() === "DELETE ",
    );
    const env = {
      ...s3.env,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${proxy.port}`,
      AWS_MAX_ATTEMPTS: "2",
    };
    const refused = await run(
      ["prune", "--at", s3.url("p"), "--keep-daily", "1", "--keep-weekly", "0"],
      { env },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "backup_unavailable: deleted 0 of 6 object(s), then could not delete snapshots/0000000000000900-",
    );
    expect(refused.stderr).toContain("--dry-run --json");
    expect((await target.list("snapshots/")).some((o) => o.key.includes("0000000000000001-"))).toBe(
      true,
    );
  }, 60_000);
});
