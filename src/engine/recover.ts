/**
 * Crash recovery (SPEC §5): reopen the Merkle tree at the size SQLite last
 * committed, then replay the log records after SQLite's `last_lsn` through the
 * same apply function ingest uses. SQLite commits rows and `last_lsn` together,
 * so replay starts exactly where the state stopped.
 */
import { StemeError } from "../errors.ts";
import { fromHex, toHex } from "../hex.ts";
import type { SegmentLog } from "../log/segment-log.ts";
import { MerkleTree } from "../merkle/merkle-tree.ts";
import { applyRedaction } from "../redaction/apply-redaction.ts";
import type { LedgerEntry } from "../redaction/redaction-ledger.ts";
import type { State } from "../store/state.ts";
import { type ApplyTarget, applyRecords, type LoggedRecord } from "./apply.ts";
import { decodeRecord } from "./log-records.ts";

const REPLAY_CHUNK = 10_000;

export function recover(
  state: State,
  log: SegmentLog,
  /** The data dir's redaction ledger (a restore's; data-dir-ledger.ts). */
  ledger: readonly LedgerEntry[] = [],
): { tree: MerkleTree; replayed: number } {
  const tree = MerkleTree.open(state.nodes, state.meta.get("tree_size"));
  const target = { state, tree };
  const applied = state.meta.get("last_lsn");
  if (applied > log.lastLsn) {
    throw new StemeError(
      "corrupt_segment",
      `the SQLite state has applied up to lsn ${applied} but the log ends at ${log.lastLsn}: the log lost acknowledged records; restore from a backup`,
      { lsn: applied },
    );
  }
  if (log.lastLsn > applied && applied + 1 < log.firstLsn) {
    throw new StemeError(
      "corrupt_segment",
      `the log starts at lsn ${log.firstLsn} but the state needs records from ${applied + 1}: rebuild from a backup and archived segments`,
      { lsn: applied + 1 },
    );
  }
  const replayed = applyLogTail(target, log);
  // SPEC §12: a restore applies every redaction the URL knew, also those past its point.
  state.transaction(() => {
    for (const e of ledger) {
      applyRedaction(state, {
        target: fromHex(e.target, 32),
        reason: e.reason,
        redactionSeq: null,
      });
    }
  });
  // SPEC §12: a stub is valid only with a redaction of its id after it in the log, or in the ledger.
  const known = new Set(ledger.map((e) => e.target));
  const orphan = state.redacted.orphanStubs().find((s) => !known.has(toHex(s.id)));
  if (orphan !== undefined) {
    throw new StemeError(
      "corrupt_segment",
      `the log holds a redaction stub for seq ${orphan.seq} but no redaction of that id: an assertion was removed without a redaction (in the log or the restore's ledger); restore from a backup to a later point`,
      { seq: orphan.seq },
    );
  }
  return { tree, replayed };
}

/**
 * Applies the log records after the state's `last_lsn` through the apply
 * function, in chunks of one transaction each; returns how many. Recovery on
 * open, and the engine's catch-up after a failed apply, both use it.
 */
export function applyLogTail(target: ApplyTarget, log: SegmentLog): number {
  const applied = target.state.meta.get("last_lsn");
  let replayed = 0;
  let chunk: LoggedRecord[] = [];
  for (const r of log.readFrom(applied + 1)) {
    chunk.push({ lsn: r.lsn, record: decodeRecord(r.type, r.payload) });
    if (chunk.length >= REPLAY_CHUNK) {
      applyRecords(target, chunk);
      replayed += chunk.length;
      chunk = [];
    }
  }
  applyRecords(target, chunk);
  return replayed + chunk.length;
}
