/**
 * Histories (SPEC §7; backup contract for issues 18/19): ids sort by creation
 * time; a new data dir gets one (history.json, written by Engine.open), a data
 * dir from before histories reads as the root; object keys carry the history
 * (the root's keep the old paths); a lineage gives each LSN to one history.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  archiveKey,
  parseArchiveKey,
  parseSnapshotPrefix,
  snapshotPrefix,
} from "../../../src/backup/backup-layout.ts";
import { HISTORY_FILE, readDataDirHistory } from "../../../src/backup/data-dir-history.ts";
import {
  branchHistory,
  decodeHistory,
  encodeHistory,
  HISTORY_ID,
  newHistoryId,
  ROOT_HISTORY,
} from "../../../src/backup/history.ts";
import {
  clipToLineage,
  lineageOf,
  snapshotInLineage,
} from "../../../src/backup/history-lineage.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { openLive } from "./backup-fixture.ts";

const hash = "ab".repeat(32);

describe("history ids and records", () => {
  test("an id is the compact UTC creation time and 8 hex; lexical order is creation order", () => {
    const a = newHistoryId(Date.UTC(2026, 11, 6, 9, 30, 0, 123));
    const b = newHistoryId(Date.UTC(2026, 11, 6, 9, 30, 0, 124));
    expect(a).toMatch(/^20261206T093000123Z-[0-9a-f]{8}$/);
    expect(a < b).toBe(true);
    expect(ROOT_HISTORY).toMatch(HISTORY_ID);
    expect(ROOT_HISTORY < a).toBe(true);
  });

  test("records round-trip and fail closed", () => {
    const h = branchHistory(ROOT_HISTORY, 2500, 1_767_000_000_000);
    expect(decodeHistory("x", encodeHistory(h))).toEqual(h);
    const bad = new TextEncoder().encode(JSON.stringify({ ...h, branch_lsn: null }));
    expect(() => decodeHistory("x", bad)).toThrow("parent and branch_lsn go together");
    const extra = new TextEncoder().encode(JSON.stringify({ ...h, more: 1 }));
    expect(() => decodeHistory("x", extra)).toThrow("not a history record");
  });

  test("Engine.open makes a new data dir's history; a data dir without one is the root", async () => {
    using dir = tempDir();
    const e = await openLive(join(dir.path, "d"));
    await e.close();
    const h = readDataDirHistory(join(dir.path, "d"));
    expect([h.parent, h.branch_lsn]).toEqual([null, null]);
    expect(h.id).not.toBe(ROOT_HISTORY);
    rmSync(join(dir.path, "d", HISTORY_FILE)); // as a data dir from before histories
    const again = await openLive(join(dir.path, "d"));
    await again.close();
    expect(existsSync(join(dir.path, "d", HISTORY_FILE))).toBe(false);
    expect(readDataDirHistory(join(dir.path, "d")).id).toBe(ROOT_HISTORY);
  });
});

describe("object keys carry their history", () => {
  test("the root keeps the paths from before histories; others carry the id", () => {
    const id = "20261206T093000123Z-0a1b2c3d";
    expect(archiveKey(ROOT_HISTORY, 1, 9, hash)).toBe(
      `archive/0000000000000001-0000000000000009-${hash}.zst`,
    );
    expect(archiveKey(id, 1, 9, hash)).toBe(
      `archive/${id}/0000000000000001-0000000000000009-${hash}.zst`,
    );
    for (const h of [ROOT_HISTORY, id]) {
      expect(parseArchiveKey(archiveKey(h, 5, 7, hash))).toMatchObject({
        history: h,
        firstLsn: 5,
        lastLsn: 7,
      });
      const prefix = snapshotPrefix(h, 42, Date.UTC(2026, 0, 2));
      expect(parseSnapshotPrefix(`${prefix}metadata.json`)).toMatchObject({
        history: h,
        prefix,
        lastLsn: 42,
      });
    }
    // The root's id never appears as a directory: such keys are not objects of any history.
    expect(
      parseArchiveKey(`archive/${ROOT_HISTORY}/0000000000000001-0000000000000009-${hash}.zst`),
    ).toBeUndefined();
    expect(parseArchiveKey("redactions/x.json")).toBeUndefined();
  });
});

describe("lineage", () => {
  const a = "20261201T000000000Z-aaaaaaaa";
  const b = "20261202T000000000Z-bbbbbbbb";
  const c = "20261203T000000000Z-cccccccc";
  const records = new Map([
    [a, { id: a, parent: null, branch_lsn: null, created_at: 1 }],
    [b, { id: b, parent: a, branch_lsn: 2500, created_at: 2 }],
    [c, { id: c, parent: b, branch_lsn: 2600, created_at: 3 }],
  ]);

  test("each LSN belongs to one history: the parent's up to the branch, then its own", () => {
    expect(lineageOf(records, c)).toEqual([
      { history: c, from: 2601, to: Number.POSITIVE_INFINITY },
      { history: b, from: 2501, to: 2600 },
      { history: a, from: 1, to: 2500 },
    ]);
    const lineage = lineageOf(records, b);
    // A's object 2001..3001 serves B only up to 2500; A's records after the branch are not B's.
    expect(clipToLineage(lineage, a, 2001, 3001)).toEqual({ from: 2001, to: 2500 });
    expect(clipToLineage(lineage, a, 2501, 3001)).toBeUndefined();
    expect(clipToLineage(lineage, c, 2601, 2700)).toBeUndefined();
    expect(snapshotInLineage(lineage, a, 2000)).toBe(true);
    expect(snapshotInLineage(lineage, a, 3000)).toBe(false);
  });

  test("a parent with no record ends the lineage there", () => {
    const lone = new Map([[b, { id: b, parent: a, branch_lsn: 2500, created_at: 2 }]]);
    expect(lineageOf(lone, b)).toEqual([
      { history: b, from: 2501, to: Number.POSITIVE_INFINITY },
      { history: a, from: 1, to: 2500 },
    ]);
  });
});
