/**
 * Whether a URL can be restored from (SPEC §7: "a new URL reports itself
 * restorable only once a snapshot is in it"): the restore plan of the
 * server's history, to its latest point, has a base — a snapshot of its
 * lineage, or an archive from lsn 1 — and no gap. And the snapshots of a
 * history's lineage, for the server's first snapshot on a URL that has none
 * and for the shipper's floor.
 */
import { StemeError } from "../errors.ts";
import { type CompleteSnapshot, completeSnapshots } from "./backup-catalog.ts";
import type { BackupTarget } from "./backup-target.ts";
import type { HistoryRecord } from "./history.ts";
import { lineageOf, snapshotInLineage } from "./history-lineage.ts";
import { planRestore } from "./restore-plan.ts";
import { readHistories } from "./url-histories.ts";

/** The complete snapshots that are states of `history`'s lineage (its own, its parents' before the branch). */
export async function lineageSnapshots(
  target: BackupTarget,
  history: HistoryRecord,
): Promise<CompleteSnapshot[]> {
  const snapshots = await completeSnapshots(target);
  if (snapshots.length === 0) return [];
  const histories = await readHistories(target);
  histories.set(history.id, { ...history, recorded: true });
  const lineage = lineageOf(histories, history.id);
  return snapshots.filter((s) => snapshotInLineage(lineage, s.history, s.lastLsn));
}

/** The last LSN a restore of `history` from the target reaches; null when it cannot be restored. */
export async function restorableThrough(
  target: BackupTarget,
  history: HistoryRecord,
): Promise<number | null> {
  try {
    const plan = await planRestore(target, { kind: "latest" }, [], history.id);
    const based = plan.snapshot !== null || plan.sources.length > 0;
    return based && plan.gap === null ? plan.to_lsn : null;
  } catch (e) {
    // Nothing of this history in the URL yet.
    if (e instanceof StemeError && (e.code === "backup_unavailable" || e.code === "invalid_field"))
      return null;
    throw e;
  }
}
