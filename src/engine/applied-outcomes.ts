/**
 * Cluster mode's receipts (SPEC §10): a group's planned seqs are provisional,
 * since other nodes publish too and the stream order decides. Once the group
 * is applied on this node, each recorded item is read back: its real seq, and
 * whether this node's record made the row — a row that another node's record
 * of the same id made first (another received_at) makes ours a duplicate.
 */

import { StemeError } from "../errors.ts";
import { fromHex, toHex } from "../hex.ts";
import type { State } from "../store/state.ts";
import { RecordType } from "./log-records.ts";
import type { ItemOutcome, Plan } from "./plan.ts";

export function appliedOutcomes(state: State, plan: Plan, outcomes: ItemOutcome[]): ItemOutcome[] {
  const receivedAt = new Map<string, number>();
  for (const { record } of plan.records) {
    if (record.type === RecordType.assertion) {
      receivedAt.set(toHex(record.body.id), record.body.receivedAt);
    }
  }
  return outcomes.map((o) => {
    if (o.status !== "accepted" && o.status !== "quarantined") return o;
    const row = state.assertions.byId(fromHex(o.id, 32));
    // Redacted by a later record of the same stream batch (SPEC §12): recorded, then removed.
    const redacted = row === undefined ? state.redacted.byId(fromHex(o.id, 32)) : undefined;
    if (redacted !== undefined) return { ...o, seq: redacted.seq };
    if (row === undefined) {
      // Cannot happen while apply records every new id; refuse rather than invent a seq.
      const error = new StemeError("not_ready", "the record was not applied on this node", {});
      return { id: o.id, status: "rejected", error };
    }
    if (row.received_at !== receivedAt.get(o.id)) {
      return { id: o.id, seq: row.seq, status: "duplicate" };
    }
    return { ...o, seq: row.seq };
  });
}
