/**
 * Planning a restore (SPEC §7): which snapshot to start from and which log
 * ranges to replay after it, from listings and metadata only — no object is
 * fetched. The snapshot is the newest complete one whose metadata parses and
 * whose state holds nothing after the restore point (none: start from an
 * empty state at lsn 1). From its lsn on, the chain takes, for each next LSN,
 * the source covering it that reaches furthest: the snapshot's own log tail or
 * an archive object. Where no source covers the next LSN but later archive
 * objects exist, the chain has a gap; the plan names it and the restore
 * refuses it when the point lies beyond it.
 */
import { StemeError } from "../errors.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import { listArchive, listSnapshots, readMetadata } from "./backup-catalog.ts";
import { SNAPSHOT_LOG, SNAPSHOT_STATE } from "./backup-layout.ts";
import type { BackupMetadata } from "./backup-metadata.ts";
import type { BackupTarget } from "./backup-target.ts";
import { type RestorePoint, snapshotUsable } from "./restore-point.ts";

export interface PlanSource {
  key: string;
  kind: "snapshot_log" | "archive";
  first_lsn: number;
  last_lsn: number;
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

export interface RestorePlan {
  url: string;
  point: RestorePoint;
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
  /** Snapshots passed over, and why. */
  skipped: { prefix: string; reason: string }[];
  /** Every tree head the target's snapshots carry, for the root check after replay. */
  tree_heads: { key: string; sth: SignedTreeHead }[];
}

export async function planRestore(
  target: BackupTarget,
  point: RestorePoint,
  /** Snapshot prefixes not to use (`restore --exclude-snapshot`), e.g. one whose state is damaged. */
  exclude: readonly string[] = [],
): Promise<RestorePlan> {
  const { snapshots } = await listSnapshots(target);
  const { ranges } = await listArchive(target);
  const skipped: RestorePlan["skipped"] = [];
  const usable: { prefix: string; metadata: BackupMetadata }[] = [];
  for (const s of snapshots) {
    if (exclude.includes(s.prefix)) {
      skipped.push({ prefix: s.prefix, reason: "excluded (--exclude-snapshot)" });
      continue;
    }
    if (!s.complete) {
      skipped.push({ prefix: s.prefix, reason: "incomplete: no metadata.json" });
      continue;
    }
    try {
      usable.push({ prefix: s.prefix, metadata: await readMetadata(target, s.prefix) });
    } catch (e) {
      if (!(e instanceof StemeError) || e.code !== "corrupt_backup") throw e;
      skipped.push({ prefix: s.prefix, reason: e.message });
    }
  }
  if (usable.length === 0 && ranges.length === 0) {
    throw new StemeError(
      "backup_unavailable",
      `${target.url} holds no usable snapshot and no archive${skipped.length > 0 ? ` (${skipped.map((s) => `${s.prefix}: ${s.reason}`).join("; ")})` : ""}`,
      { field: "from" },
    );
  }
  const tree_heads = usable.flatMap(({ prefix, metadata: m }) => [
    { key: `${prefix}metadata.json`, sth: m.snapshot_sth },
    { key: `${prefix}metadata.json`, sth: m.sth },
  ]);

  let chosen: (typeof usable)[number] | undefined;
  for (const u of usable) {
    if (!snapshotUsable(u.metadata, point)) {
      skipped.push({ prefix: u.prefix, reason: "its state is past the restore point" });
    } else if (chosen === undefined || u.metadata.snapshot_lsn >= chosen.metadata.snapshot_lsn) {
      chosen = u;
    }
  }

  const from_lsn = chosen === undefined ? 1 : chosen.metadata.snapshot_lsn + 1;
  const candidates: PlanSource[] = ranges.map((r) => ({
    key: r.key,
    kind: "archive",
    first_lsn: r.firstLsn,
    last_lsn: r.lastLsn,
    blake3: r.blake3,
    size: r.size,
  }));
  let snapshot: RestorePlan["snapshot"] = null;
  if (chosen !== undefined) {
    const m = chosen.metadata;
    const object = (name: string) => m.objects.find((o) => o.name === name);
    const state = object(SNAPSHOT_STATE);
    if (state === undefined) {
      throw new StemeError(
        "corrupt_backup",
        `backup object ${chosen.prefix}metadata.json lists no ${SNAPSHOT_STATE}`,
        { object: `${chosen.prefix}metadata.json` },
      );
    }
    snapshot = {
      prefix: chosen.prefix,
      metadata: m,
      state: { key: chosen.prefix + SNAPSHOT_STATE, size: state.size, blake3: state.blake3 },
    };
    const log = object(SNAPSHOT_LOG);
    if (log !== undefined && m.last_lsn > m.snapshot_lsn) {
      candidates.unshift({
        key: chosen.prefix + SNAPSHOT_LOG,
        kind: "snapshot_log",
        first_lsn: m.snapshot_lsn + 1,
        last_lsn: m.last_lsn,
        blake3: log.blake3,
        size: log.size,
      });
    }
  }

  const sources: PlanSource[] = [];
  let next = from_lsn;
  for (;;) {
    let best: PlanSource | undefined;
    for (const c of candidates) {
      if (c.first_lsn <= next && c.last_lsn >= next && (!best || c.last_lsn > best.last_lsn)) {
        best = c;
      }
    }
    if (best === undefined) break;
    sources.push(best);
    next = best.last_lsn + 1;
  }
  const after = candidates.find((c) => c.first_lsn > next);
  const gap: PlanGap | null =
    after === undefined
      ? null
      : {
          from_lsn: next,
          to_lsn: after.first_lsn - 1,
          before: sources[sources.length - 1]?.key ?? snapshot?.state.key ?? null,
          after: after.key,
        };
  return {
    url: target.url,
    point,
    snapshot,
    from_lsn,
    sources,
    to_lsn: next - 1,
    gap,
    skipped,
    tree_heads,
  };
}

export function gapError(plan: RestorePlan, gap: PlanGap, why: string): StemeError {
  const skipped = plan.skipped.map((s) => `${s.prefix}: ${s.reason}`).join("; ");
  return new StemeError(
    "backup_gap",
    `lsn ${gap.from_lsn}..${gap.to_lsn} are in no snapshot and no archive object ` +
      `(between ${gap.before ?? "the start of the log"} and ${gap.after}); ${why}` +
      (skipped === "" ? "" : ` (snapshots passed over: ${skipped})`),
    { lsn: gap.from_lsn, object: gap.after },
  );
}
