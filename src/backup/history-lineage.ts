/**
 * Which history holds each LSN of a history (SPEC §7; PostgreSQL's
 * `readTimeLineHistory`): a history's records are its parent's up to its
 * branch LSN, then its own; the parent's, its grandparent's up to the parent's
 * branch LSN, and so on. A lineage lists those steps newest first, each an LSN
 * interval of one history. An object of a history in the lineage serves only
 * the LSNs of its step: the old history's records after a branch point are
 * never part of the branch.
 */
import type { HistoryRecord } from "./history.ts";

export interface LineageStep {
  history: string;
  /** First LSN this history contributes (its branch LSN + 1, or 1). */
  from: number;
  /** Last LSN it contributes (Infinity for the history itself). */
  to: number;
}

export type Lineage = readonly LineageStep[];

/**
 * The lineage of `id`. A parent whose record is unknown (no histories/<id>.json
 * in this URL) ends it: that parent then contributes from LSN 1.
 */
export function lineageOf(histories: ReadonlyMap<string, HistoryRecord>, id: string): Lineage {
  const steps: LineageStep[] = [];
  const seen = new Set<string>();
  let history: string | undefined = id;
  let to = Number.POSITIVE_INFINITY;
  while (history !== undefined && !seen.has(history)) {
    seen.add(history);
    const record = histories.get(history);
    const branch = record?.parent == null ? 0 : Math.min(record.branch_lsn ?? 0, to);
    steps.push({ history, from: branch + 1, to });
    if (record?.parent == null) break;
    history = record.parent;
    to = branch;
  }
  return steps;
}

export function stepOf(lineage: Lineage, history: string): LineageStep | undefined {
  return lineage.find((s) => s.history === history);
}

/** The LSNs `first..last` of an object of `history` that belong to the lineage, if any. */
export function clipToLineage(
  lineage: Lineage,
  history: string,
  first: number,
  last: number,
): { from: number; to: number } | undefined {
  const step = stepOf(lineage, history);
  if (step === undefined) return undefined;
  const from = Math.max(first, step.from);
  const to = Math.min(last, step.to);
  return from <= to ? { from, to } : undefined;
}

/** A snapshot of `history` at `lsn` is a state of the lineage (its history holds lsn there). */
export function snapshotInLineage(lineage: Lineage, history: string, lsn: number): boolean {
  const step = stepOf(lineage, history);
  return step !== undefined && lsn <= step.to;
}

/** "a (…) ← b (to lsn 2500) ← root (to lsn 100)": for reports. */
export function describeLineage(lineage: Lineage): string {
  return lineage
    .map((s, i) => (i === 0 ? s.history : `${s.history} (lsn ${s.from}..${s.to})`))
    .join(" ← ");
}
