/**
 * Planning a restore (SPEC §7): which history to follow, which snapshot to
 * start from and which log ranges to replay after it, from listings and
 * metadata only — no log object is fetched. The history is `history` when
 * given, else the newest (the greatest id); only the objects of its lineage
 * (history-lineage.ts) serve it, each for the LSNs its history holds there.
 * The snapshot is the newest complete one of the lineage whose metadata parses
 * and whose state holds nothing after the restore point (none: start from an
 * empty state at lsn 1). From its lsn on, the chain takes, for each next LSN,
 * the source covering it that reaches furthest: the snapshot's own log tail or
 * an archive object. Where no source covers the next LSN but later ones exist,
 * the chain has a gap; the plan names it and the restore refuses it when the
 * point lies beyond it. `reach` is what the URL can restore of the history at
 * all, for the errors that name it.
 */
import { StemeError } from "../errors.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import { listArchive, listSnapshots, readMetadata } from "./backup-catalog.ts";
import { type ArchiveRange, SNAPSHOT_LOG, SNAPSHOT_STATE } from "./backup-layout.ts";
import type { BackupMetadata } from "./backup-metadata.ts";
import type { BackupTarget } from "./backup-target.ts";
import { historyName } from "./history.ts";
import { clipToLineage, type Lineage, lineageOf, snapshotInLineage } from "./history-lineage.ts";
import { type RestorePoint, snapshotUsable } from "./restore-point.ts";
import { newestHistory, readHistories, type UrlHistory } from "./url-histories.ts";

export interface PlanSource {
  key: string;
  kind: "snapshot_log" | "archive";
  /** The LSNs the object holds (all of them are checked). */
  first_lsn: number;
  last_lsn: number;
  /** The LSNs taken from it: those its history holds in the lineage. */
  take_from: number;
  take_to: number;
  blake3: string;
  size: number;
}

export interface PlanGap {
  from_lsn: number;
  to_lsn: number;
  /** The source the chain ends with, and the first archive object after the gap. */
  before: string | null;
  after: string;
}

/** What the URL can restore of the history, whatever the point. */
export interface PlanReach {
  /** The oldest snapshot of the lineage; null when the chain starts at lsn 1 (or there is none). */
  oldest_snapshot: { prefix: string; tree_size: number; at: number } | null;
  /** The chain from the oldest base starts at lsn 1 without a snapshot. */
  from_start: boolean;
  /** The last LSN a restore of the history reaches. */
  through_lsn: number;
}

export interface HistorySummary {
  id: string;
  parent: string | null;
  branch_lsn: number | null;
  recorded: boolean;
  snapshots: number;
  archive_objects: number;
}

export interface RestorePlan {
  url: string;
  point: RestorePoint;
  /** The history restored, and every history the URL holds. */
  history: string;
  lineage: Lineage;
  histories: HistorySummary[];
  snapshot: {
    prefix: string;
    metadata: BackupMetadata;
    state: { key: string; size: number; blake3: string };
  } | null;
  /** The first LSN to replay (the snapshot's lsn + 1, or 1). */
  from_lsn: number;
  sources: PlanSource[];
  /** The last LSN the chain reaches (from_lsn − 1 when there is nothing to replay). */
  to_lsn: number;
  gap: PlanGap | null;
  reach: PlanReach;
  /** Snapshots passed over, and why. */
  skipped: { prefix: string; reason: string }[];
  /** Every tree head the lineage's snapshots carry, for the root check after replay. */
  tree_heads: { key: string; sth: SignedTreeHead }[];
  /**
   * Archive objects of one history that overlap a source of the chain with
   * another range: the restore checks they hold the same records where it
   * takes them (archive-overlap.ts).
   */
  overlaps: { source: ArchiveRange; other: ArchiveRange; take_to: number }[];
}

export async function planRestore(
  target: BackupTarget,
  point: RestorePoint,
  /** Snapshot prefixes not to use (`restore --exclude-snapshot`), e.g. one whose state is damaged. */
  exclude: readonly string[] = [],
  /** The history to restore (`restore --history`); the newest by default. */
  historyId?: string,
): Promise<RestorePlan> {
  const { snapshots } = await listSnapshots(target);
  const { ranges } = await listArchive(target);
  const histories = await readHistories(target, [
    ...snapshots.map((s) => s.history),
    ...ranges.map((r) => r.history),
  ]);
  const history = historyId ?? newestHistory(histories);
  if (history === undefined) {
    throw new StemeError("backup_unavailable", `${target.url} holds no snapshot and no archive`, {
      field: "from",
    });
  }
  if (!histories.has(history)) {
    throw new StemeError(
      "invalid_field",
      `${target.url} holds no history ${history}; it holds ${[...histories.keys()].map(historyName).join(", ")}`,
      { field: "history" },
    );
  }
  const lineage = lineageOf(histories, history);
  const skipped: RestorePlan["skipped"] = [];
  const usable: { prefix: string; metadata: BackupMetadata; to: number }[] = [];
  for (const s of snapshots) {
    if (!snapshotInLineage(lineage, s.history, s.snapshotLsn)) continue;
    if (exclude.includes(s.prefix)) {
      skipped.push({ prefix: s.prefix, reason: "excluded (--exclude-snapshot)" });
      continue;
    }
    if (!s.complete) {
      skipped.push({ prefix: s.prefix, reason: "incomplete: no metadata.json" });
      continue;
    }
    try {
      const metadata = await readMetadata(target, s.prefix);
      const to = lineage.find((l) => l.history === s.history)?.to ?? 0;
      usable.push({ prefix: s.prefix, metadata, to });
    } catch (e) {
      if (!(e instanceof StemeError) || e.code !== "corrupt_backup") throw e;
      skipped.push({ prefix: s.prefix, reason: e.message });
    }
  }
  const archive: PlanSource[] = [];
  for (const r of ranges) {
    const clip = clipToLineage(lineage, r.history, r.firstLsn, r.lastLsn);
    if (clip === undefined) continue;
    archive.push({
      key: r.key,
      kind: "archive",
      first_lsn: r.firstLsn,
      last_lsn: r.lastLsn,
      take_from: clip.from,
      take_to: clip.to,
      blake3: r.blake3,
      size: r.size,
    });
  }
  if (usable.length === 0 && archive.length === 0) {
    throw new StemeError(
      "backup_unavailable",
      `${target.url} holds no usable snapshot and no archive of history ${historyName(history)}${skipped.length > 0 ? ` (${skipped.map((s) => `${s.prefix}: ${s.reason}`).join("; ")})` : ""}`,
      { field: "from" },
    );
  }
  const tree_heads = usable.flatMap(({ prefix, metadata: m, to }) => [
    { key: `${prefix}metadata.json`, sth: m.snapshot_sth },
    ...(m.last_lsn <= to ? [{ key: `${prefix}metadata.json`, sth: m.sth }] : []),
  ]);

  let chosen: (typeof usable)[number] | undefined;
  for (const u of usable) {
    if (!snapshotUsable(u.metadata, point)) {
      skipped.push({ prefix: u.prefix, reason: "its state is past the restore point" });
    } else if (chosen === undefined || u.metadata.snapshot_lsn >= chosen.metadata.snapshot_lsn) {
      chosen = u;
    }
  }
  const base = (u: (typeof usable)[number] | undefined) => {
    if (u === undefined) return { snapshot: null, candidates: archive };
    const m = u.metadata;
    const object = (name: string) => m.objects.find((o) => o.name === name);
    const state = object(SNAPSHOT_STATE);
    if (state === undefined) {
      throw new StemeError(
        "corrupt_backup",
        `backup object ${u.prefix}metadata.json lists no ${SNAPSHOT_STATE}`,
        { object: `${u.prefix}metadata.json` },
      );
    }
    const snapshot = {
      prefix: u.prefix,
      metadata: m,
      state: { key: u.prefix + SNAPSHOT_STATE, size: state.size, blake3: state.blake3 },
    };
    const log = object(SNAPSHOT_LOG);
    const take = Math.min(m.last_lsn, u.to);
    if (log === undefined || take <= m.snapshot_lsn) return { snapshot, candidates: archive };
    const tail: PlanSource = {
      key: u.prefix + SNAPSHOT_LOG,
      kind: "snapshot_log",
      first_lsn: m.snapshot_lsn + 1,
      last_lsn: m.last_lsn,
      take_from: m.snapshot_lsn + 1,
      take_to: take,
      blake3: log.blake3,
      size: log.size,
    };
    return { snapshot, candidates: [tail, ...archive] };
  };
  const { snapshot, candidates } = base(chosen);
  const from_lsn = snapshot === null ? 1 : snapshot.metadata.snapshot_lsn + 1;
  const { sources, next, gap } = chainFrom(candidates, from_lsn, snapshot?.state.key ?? null);
  const overlaps = overlapping(sources, ranges);

  // What the URL can restore at all: from its oldest base (a snapshot, or lsn 1) on.
  const oldest = usable.reduce<(typeof usable)[number] | undefined>(
    (a, u) => (a === undefined || u.metadata.snapshot_lsn < a.metadata.snapshot_lsn ? u : a),
    undefined,
  );
  const fromStart = chainFrom(archive, 1, null);
  const startCovers = fromStart.sources.length > 0;
  const oldestChain =
    oldest === undefined
      ? undefined
      : chainFrom(base(oldest).candidates, oldest.metadata.snapshot_lsn + 1, null);
  const reach: PlanReach = {
    oldest_snapshot:
      startCovers || oldest === undefined
        ? null
        : {
            prefix: oldest.prefix,
            tree_size: oldest.metadata.snapshot_tree_size,
            at: oldest.metadata.snapshot_at,
          },
    from_start: startCovers,
    through_lsn: Math.max(
      startCovers ? fromStart.next - 1 : 0,
      oldestChain === undefined ? 0 : oldestChain.next - 1,
      next - 1,
    ),
  };
  return {
    url: target.url,
    point,
    history,
    lineage,
    histories: summarize(histories, snapshots, ranges),
    snapshot,
    from_lsn,
    sources,
    to_lsn: next - 1,
    gap,
    reach,
    skipped,
    tree_heads,
    overlaps,
  };
}

/** Pairs of a chain's archive source and another object of its history overlapping it with another range. */
function overlapping(
  sources: readonly PlanSource[],
  ranges: readonly ArchiveRange[],
): RestorePlan["overlaps"] {
  const out: RestorePlan["overlaps"] = [];
  for (const s of sources) {
    if (s.kind !== "archive") continue;
    const source = ranges.find((r) => r.key === s.key) as ArchiveRange;
    for (const other of ranges) {
      if (other.history !== source.history || other.key === source.key) continue;
      if (other.firstLsn === source.firstLsn && other.lastLsn === source.lastLsn) continue; // a replacement (SPEC §12)
      if (other.firstLsn <= s.take_to && other.lastLsn >= s.take_from) {
        out.push({ source, other, take_to: s.take_to });
      }
    }
  }
  return out;
}

/** The chain of sources from `from` (each next LSN: the source reaching furthest), and its gap. */
function chainFrom(
  candidates: readonly PlanSource[],
  from: number,
  start: string | null,
): { sources: PlanSource[]; next: number; gap: PlanGap | null } {
  const sources: PlanSource[] = [];
  let next = from;
  for (;;) {
    let best: PlanSource | undefined;
    for (const c of candidates) {
      if (c.take_from <= next && c.take_to >= next && (!best || c.take_to > best.take_to)) {
        best = c;
      }
    }
    if (best === undefined) break;
    sources.push(best);
    next = best.take_to + 1;
  }
  const after = candidates
    .filter((c) => c.take_to >= next)
    .reduce<PlanSource | undefined>(
      (a, c) => (a === undefined || c.take_from < a.take_from ? c : a),
      undefined,
    );
  const gap: PlanGap | null =
    after === undefined
      ? null
      : {
          from_lsn: next,
          to_lsn: after.take_from - 1,
          before: sources.at(-1)?.key ?? start,
          after: after.key,
        };
  return { sources, next, gap };
}

function summarize(
  histories: ReadonlyMap<string, UrlHistory>,
  snapshots: readonly { history: string; complete: boolean }[],
  ranges: readonly { history: string }[],
): HistorySummary[] {
  return [...histories.values()].map((h) => ({
    id: h.id,
    parent: h.parent,
    branch_lsn: h.branch_lsn,
    recorded: h.recorded,
    snapshots: snapshots.filter((s) => s.history === h.id && s.complete).length,
    archive_objects: ranges.filter((r) => r.history === h.id).length,
  }));
}

/** "history H can be restored from <oldest> through lsn N": for the errors that name the range. */
export function describeReach(plan: RestorePlan): string {
  const r = plan.reach;
  const from = r.from_start
    ? "its first record"
    : r.oldest_snapshot === null
      ? "nothing (no snapshot, and its archive does not start at lsn 1)"
      : `tree_size ${r.oldest_snapshot.tree_size}, written by ${new Date(r.oldest_snapshot.at).toISOString()} (its oldest snapshot, ${r.oldest_snapshot.prefix})`;
  const through = r.from_start || r.oldest_snapshot !== null ? ` through lsn ${r.through_lsn}` : "";
  return `${plan.url} can restore history ${historyName(plan.history)} from ${from}${through}`;
}

export function gapError(plan: RestorePlan, gap: PlanGap, why: string): StemeError {
  const skipped = plan.skipped.map((s) => `${s.prefix}: ${s.reason}`).join("; ");
  return new StemeError(
    "backup_gap",
    `lsn ${gap.from_lsn}..${gap.to_lsn} are in no snapshot and no archive object ` +
      `(between ${gap.before ?? "the start of the log"} and ${gap.after}); ${why}; ${describeReach(plan)}` +
      (skipped === "" ? "" : ` (snapshots passed over: ${skipped})`),
    { lsn: gap.from_lsn, object: gap.after },
  );
}

/** SPEC §7: a point the URL cannot reach is an error naming what it can restore. */
export function unreachableError(plan: RestorePlan, why: string): StemeError {
  const skipped = plan.skipped.map((s) => `${s.prefix}: ${s.reason}`).join("; ");
  const passed = skipped === "" ? "" : ` (snapshots passed over: ${skipped})`;
  return new StemeError("restore_point_unreachable", `${why}: ${describeReach(plan)}${passed}`, {
    field: plan.point.kind === "time" ? "until_time" : "until_seq",
  });
}
