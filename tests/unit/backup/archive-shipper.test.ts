/**
 * The archive shipper on a real engine (real segment files, fsync) into a
 * directory target: archive objects hold exactly the log's frames, gap-free
 * and without overlap; shipping is idempotent and resumes from the target's
 * listing (a new shipper, as after a crash, ships nothing twice); an archive
 * from another history is refused; the read-only data-dir source ships beside
 * a live engine; retention keeps every segment that is not archived; and a
 * pruned archive under a snapshot is not shipped again.
 */
import { describe, expect, test } from "bun:test";
import { ArchiveShipper } from "../../../src/backup/archive-shipper.ts";
import {
  ARCHIVE_PREFIX,
  parseArchiveKey,
  snapshotPrefix,
} from "../../../src/backup/backup-layout.ts";
import type { BackupTarget } from "../../../src/backup/backup-target.ts";
import { readDataDirHistory } from "../../../src/backup/data-dir-history.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { ROOT_HISTORY } from "../../../src/backup/history.ts";
import { dataDirWalSource } from "../../../src/backup/wal-source.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { isStemeError } from "../../../src/errors.ts";
import { segmentLogOf } from "../../../src/log/segment-log.ts";
import { silentLogger } from "../../../src/logger.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";
import { expectSameRecords, readArchive } from "../../helpers/archive-check.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const alice = testAgent(1);
let now = 1_767_225_600_000;
const clock = { now: () => now };

const open = (dir: string, options: { retentionHours?: number } = {}) =>
  Engine.open({
    dataDir: dir,
    logger: silentLogger,
    clock,
    segmentBytes: 8192,
    ...(options.retentionHours === undefined ? {} : { logRetentionHours: options.retentionHours }),
  });

async function write(e: Engine, from: number, count: number, tag = "v"): Promise<void> {
  const items = [];
  for (let i = from; i < from + count; i++) {
    items.push(
      prepare(
        alice.sign({
          concept: `acme/svc${i % 7}`,
          predicate: "status",
          value: `${tag}${i}`,
          ts: 1_767_225_600_000 + i,
        }),
      ),
    );
  }
  // Small commits, so the log has many frames and segments.
  for (let i = 0; i < items.length; i += 10) await e.ingest(items.slice(i, i + 10));
}

const liveShipper = (e: Engine, target: BackupTarget, maxObjectBytes?: number) =>
  new ArchiveShipper({
    target,
    source: { segments: () => segmentLogOf(e.log).segmentList() },
    ...(maxObjectBytes === undefined ? {} : { maxObjectBytes }),
  });

async function expectArchiveEqualsLog(target: BackupTarget, e: Engine) {
  const { frames, ranges } = await readArchive(target);
  expectSameRecords(frames, [...segmentLogOf(e.log).readFrom(1)]);
  return ranges;
}

describe("ArchiveShipper", () => {
  test("ships the log gap-free, is idempotent, and resumes from the listing", async () => {
    using data = tempDir();
    using out = tempDir();
    const target = new DirTarget(out.path);
    const e = await open(data.path);
    try {
      await write(e, 0, 120);
      const s = liveShipper(e, target, 4096);
      const first = await s.ship();
      expect(first.records).toBe(120);
      expect(first.archivedLsn).toBe(e.log.lastLsn);
      expect(first.objects).toBeGreaterThan(3); // 4 KiB objects
      await expectArchiveEqualsLog(target, e);

      expect((await s.ship()).objects).toBe(0); // nothing new: nothing shipped

      await write(e, 120, 35);
      const second = await s.ship();
      expect(second.records).toBe(35);
      const ranges = await expectArchiveEqualsLog(target, e);

      // A new shipper (a restarted server) learns the archived LSN from the listing alone.
      const again = liveShipper(e, target, 4096);
      expect(again.archivedLsn).toBeUndefined();
      expect(await again.refresh()).toBe(e.log.lastLsn);
      expect((await again.ship()).objects).toBe(0);
      expect((await readArchive(target)).ranges).toEqual(ranges);
    } finally {
      await e.close();
    }
  });

  test("two shippers on one URL: the second finds the first's objects in the listing and ships nothing twice", async () => {
    using data = tempDir();
    using out = tempDir();
    const target = new DirTarget(out.path);
    const e = await open(data.path);
    try {
      await write(e, 0, 30);
      // Two shippers that both think nothing is shipped: the second one's objects collide by name.
      const a = liveShipper(e, target);
      const b = liveShipper(e, target);
      await b.refresh();
      const shipped = await a.ship();
      const r = await b.ship();
      expect(r.archivedLsn).toBe(e.log.lastLsn);
      expect(r.objects).toBe(0);
      const ranges = await expectArchiveEqualsLog(target, e);
      expect(ranges.length).toBe(shipped.objects);
    } finally {
      await e.close();
    }
  });

  test("a copy of a data dir shipping into the same history is refused, not mixed in", async () => {
    using one = tempDir();
    using two = tempDir();
    using out = tempDir();
    const target = new DirTarget(out.path);
    const a = await open(one.path);
    await write(a, 0, 20, "a");
    await liveShipper(a, target).ship();
    await a.close();
    const b = await open(two.path);
    try {
      await write(b, 0, 40, "b");
      const err = await liveShipper(b, target)
        .ship()
        .catch((x: unknown) => x);
      expect(isStemeError(err, "config_invalid")).toBe(true);
      expect(String(err)).toContain("a copy of this data dir ships there too");
      expect((await readArchive(target)).frames.length).toBe(20); // untouched
    } finally {
      await b.close();
    }
  });

  test("two data dirs ship into their own histories (SPEC §7), never into each other's", async () => {
    using one = tempDir();
    using two = tempDir();
    using out = tempDir();
    const target = new DirTarget(out.path);
    const ship = (e: Engine, dir: string) =>
      new ArchiveShipper({
        target,
        source: { segments: () => segmentLogOf(e.log).segmentList() },
        history: readDataDirHistory(dir),
      }).ship();
    const a = await open(one.path);
    const b = await open(two.path);
    try {
      await write(a, 0, 20, "a");
      await write(b, 0, 40, "b");
      expect((await ship(a, one.path)).archivedLsn).toBe(a.log.lastLsn);
      expect((await ship(b, two.path)).archivedLsn).toBe(b.log.lastLsn);
      const ids = [readDataDirHistory(one.path).id, readDataDirHistory(two.path).id];
      expect(ids[0]).not.toBe(ids[1]);
      const ranges = (await target.list(ARCHIVE_PREFIX)).map((o) => parseArchiveKey(o.key));
      for (const [i, e] of [a, b].entries()) {
        const own = ranges.filter((r) => r?.history === ids[i]);
        expect(Math.max(...own.map((r) => r?.lastLsn ?? 0))).toBe(e.log.lastLsn);
      }
      expect((await target.list("histories/")).map((o) => o.key).sort()).toEqual(
        ids.map((id) => `histories/${id}.json`).sort(),
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("the read-only data-dir source ships beside a live engine, up to the applied LSN", async () => {
    using data = tempDir();
    using out = tempDir();
    const target = new DirTarget(out.path);
    const e = await open(data.path);
    try {
      await write(e, 0, 50);
      const s = new ArchiveShipper({ target, source: dataDirWalSource(data.path) });
      expect((await s.ship()).archivedLsn).toBe(e.log.lastLsn);
      await write(e, 50, 25);
      const again = new ArchiveShipper({ target, source: dataDirWalSource(data.path) });
      expect((await again.ship()).records).toBe(25);
      await expectArchiveEqualsLog(target, e);
    } finally {
      await e.close();
    }
  });

  test("retention removes only archived segments; archiving catches up, then they may go", async () => {
    using data = tempDir();
    using out = tempDir();
    const target = new DirTarget(out.path);
    const e = await open(data.path, { retentionHours: 0 });
    try {
      await write(e, 0, 60);
      const s = liveShipper(e, target, 2048);
      await s.ship();
      const archived = s.archivedLsn as number;
      await write(e, 60, 60); // not archived
      now += 1000;
      const before = segmentLogOf(e.log).segmentList();
      const removed = e.runRetention(archived);
      const kept = segmentLogOf(e.log).segmentList();
      for (const name of removed) {
        const seg = before.find((x) => x.name === name);
        expect(seg?.lastLsn).toBeLessThanOrEqual(archived);
      }
      expect(kept[0]?.firstLsn).toBeLessThanOrEqual(archived + 1); // nothing unarchived went
      await s.ship();
      now += 1000;
      e.runRetention(s.archivedLsn);
      expect(segmentLogOf(e.log).segmentList().length).toBe(1); // only the open one is left
    } finally {
      await e.close();
    }
  });

  test("after prune dropped the archive under a snapshot, a new shipper does not ship it again", async () => {
    using data = tempDir();
    using out = tempDir();
    const target = new DirTarget(out.path);
    const e = await open(data.path);
    try {
      await write(e, 0, 40);
      await liveShipper(e, target, 2048).ship();
      const objects = await target.list(ARCHIVE_PREFIX);
      const cut = parseArchiveKey(objects[2]?.key as string)?.lastLsn as number;
      await target.put(
        `${snapshotPrefix(ROOT_HISTORY, cut, now)}metadata.json`,
        new TextEncoder().encode("{}"),
      );
      for (const o of objects.slice(0, 3)) await target.delete(o.key);
      const shippedThrough = e.log.lastLsn;
      await write(e, 40, 10);
      const s = liveShipper(e, target, 2048);
      expect(await s.refresh()).toBe(shippedThrough);
      const r = await s.ship();
      expect(r.records).toBe(10);
      expect((await target.list(ARCHIVE_PREFIX)).length).toBe(objects.length - 3 + r.objects);
    } finally {
      await e.close();
    }
  });
});
