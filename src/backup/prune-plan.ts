/**
 * Which objects `stemedb prune` removes (SPEC §7: "never deletes what a kept
 * snapshot needs"), as a pure function of a target's listing, so the same plan
 * can be printed for another principal to carry out.
 *
 * - Complete snapshots are those whose metadata.json is listed. Kept: the
 *   newest of each of the `keepDaily` most recent UTC days that have one, and
 *   the newest of each of the `keepWeekly` most recent ISO weeks (Monday
 *   start, UTC), and always the newest snapshot of all.
 * - A kept snapshot needs its own objects and every archived record after its
 *   LSN (restore replays them), so archive ranges go only when they end at or
 *   before the OLDEST kept snapshot's LSN; a range that straddles it stays.
 * - Incomplete snapshots (no metadata.json: a backup that died, or one that is
 *   running right now) go only when older than the oldest kept snapshot.
 * - With no complete snapshot at all nothing is deleted: the archive alone is
 *   then the only way back.
 *
 * Histories (SPEC §7: "prune keeps what any kept history needs"): every
 * history keeps the newest complete snapshot of its lineage (its own, or a
 * parent's before its branch point), and each history needs the archived
 * records after its oldest kept base along its lineage — a parent's objects
 * up to the branch point, its own after. An archive object goes only when no
 * history needs any LSN it holds. `histories/` and `redactions/` are never
 * listed here, so never deleted.
 *
 * Deletion order (prune.ts): each dropped snapshot's metadata.json first (so
 * a crash halfway leaves an incomplete snapshot no restore would pick, which
 * the next prune removes), then its other objects, then the archive ranges.
 */
import { archiveRanges } from "./archive-chain.ts";
import { parseSnapshotPrefix, SNAPSHOT_METADATA, SNAPSHOTS_PREFIX } from "./backup-layout.ts";
import type { ObjectInfo } from "./backup-target.ts";
import type { HistoryRecord } from "./history.ts";
import { clipToLineage, lineageOf, snapshotInLineage } from "./history-lineage.ts";

export interface PruneOptions {
  keepDaily: number;
  keepWeekly: number;
}

export interface SnapshotInfo {
  history: string;
  prefix: string;
  lastLsn: number;
  createdAt: string;
  complete: boolean;
  keys: string[];
  bytes: number;
}

export interface PrunePlan {
  kept: SnapshotInfo[];
  dropped: SnapshotInfo[];
  /** Archive objects no kept snapshot needs (they end at or before the oldest kept one's LSN). */
  archive: string[];
  /** Every key to delete, in the order to delete them. */
  delete: string[];
  bytes: number;
}

/** ISO week of a UTC time as "YYYY-Www" (the week's Thursday decides the year). */
export function isoWeek(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

function snapshots(objects: readonly ObjectInfo[]): SnapshotInfo[] {
  const byPrefix = new Map<string, SnapshotInfo & { ms: number }>();
  for (const o of objects) {
    if (!o.key.startsWith(SNAPSHOTS_PREFIX)) continue;
    const p = parseSnapshotPrefix(o.key);
    if (p === undefined) continue;
    let s = byPrefix.get(p.prefix);
    if (s === undefined) {
      s = {
        history: p.history,
        prefix: p.prefix,
        lastLsn: p.lastLsn,
        createdAt: new Date(p.createdAtMs).toISOString(),
        ms: p.createdAtMs,
        complete: false,
        keys: [],
        bytes: 0,
      };
      byPrefix.set(p.prefix, s);
    }
    s.keys.push(o.key);
    s.bytes += o.size;
    if (o.key === `${p.prefix}${SNAPSHOT_METADATA}`) s.complete = true;
  }
  // Newest first; metadata.json first within a snapshot (the deletion order).
  const all = [...byPrefix.values()].sort((a, b) => b.ms - a.ms || (a.prefix < b.prefix ? 1 : -1));
  for (const s of all) {
    s.keys.sort((a, b) =>
      a.endsWith(SNAPSHOT_METADATA) ? -1 : b.endsWith(SNAPSHOT_METADATA) ? 1 : a < b ? -1 : 1,
    );
  }
  return all.map(({ ms: _ms, ...s }) => s);
}

export function planPrune(
  objects: readonly ObjectInfo[],
  o: PruneOptions,
  /** The URL's history records (histories/<id>.json); ids only in object keys have no known parent. */
  records: ReadonlyMap<string, HistoryRecord> = new Map(),
): PrunePlan {
  const all = snapshots(objects);
  const complete = all.filter((s) => s.complete);
  const plan: PrunePlan = { kept: [], dropped: [], archive: [], delete: [], bytes: 0 };
  if (complete.length === 0) {
    plan.kept = all;
    return plan;
  }
  const keep = new Set<string>([(complete[0] as SnapshotInfo).prefix]);
  const bucket = (n: number, key: (ms: number) => string) => {
    const seen = new Set<string>();
    for (const s of complete) {
      const b = key(Date.parse(s.createdAt));
      if (seen.has(b)) continue;
      if (seen.size >= n) break;
      seen.add(b);
      keep.add(s.prefix);
    }
  };
  bucket(o.keepDaily, (ms) => new Date(ms).toISOString().slice(0, 10));
  bucket(o.keepWeekly, isoWeek);
  const ranges = archiveRanges(objects);
  const ids = new Set<string>([
    ...records.keys(),
    ...all.map((s) => s.history),
    ...ranges.map((r) => r.history),
  ]);
  const lineages = [...ids].map((id) => lineageOf(records, id));
  // Every history keeps a base: the newest complete snapshot of its lineage (complete is newest first).
  for (const lineage of lineages) {
    const base = complete.find((s) => snapshotInLineage(lineage, s.history, s.lastLsn));
    if (base !== undefined) keep.add(base.prefix);
  }
  const kept = complete.filter((s) => keep.has(s.prefix));
  const oldestMs = Math.min(...kept.map((s) => Date.parse(s.createdAt)));
  for (const s of all) {
    const drop = s.complete ? !keep.has(s.prefix) : Date.parse(s.createdAt) < oldestMs;
    (drop ? plan.dropped : plan.kept).push(s);
  }
  // What each history needs: its lineage's records after its oldest kept base (0: all of them).
  const needs = lineages.map((lineage) => {
    const bases = kept.filter((s) => snapshotInLineage(lineage, s.history, s.lastLsn));
    return { lineage, after: bases.length === 0 ? 0 : Math.min(...bases.map((s) => s.lastLsn)) };
  });
  const sizes = new Map(objects.map((x) => [x.key, x.size]));
  for (const r of ranges) {
    const needed = needs.some(({ lineage, after }) => {
      const clip = clipToLineage(lineage, r.history, r.firstLsn, r.lastLsn);
      return clip !== undefined && clip.to > after;
    });
    if (!needed) plan.archive.push(r.key);
  }
  for (const s of plan.dropped) {
    plan.delete.push(...s.keys);
    plan.bytes += s.bytes;
  }
  for (const key of plan.archive) {
    plan.delete.push(key);
    plan.bytes += sizes.get(key) ?? 0;
  }
  return plan;
}
