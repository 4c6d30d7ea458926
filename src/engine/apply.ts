/**
 * THE apply function (STYLE.md §9): the only code that turns log records into
 * state. Ingest calls it after a group commit's fsync; recovery calls it on the
 * log's unapplied tail; a replicated log will call it on each consumed record.
 * Given the same records in the same order it yields the same rows, the same
 * seqs and the same Merkle root.
 *
 * One call = one SQLite transaction: rows, the interned keys they add (schema
 * v2, in record order, so ids are deterministic), Merkle nodes and `last_lsn`
 * commit together, so a crash leaves the state at a record boundary.
 */
import { StemeError } from "../errors.ts";
import { fromHex } from "../hex.ts";
import { leafHash } from "../merkle/hash.ts";
import type { MerkleTree } from "../merkle/merkle-tree.ts";
import type { Assertion } from "../protocol/assertion.ts";
import { applyRedaction, applyStub } from "../redaction/apply-redaction.ts";
import { redactionOf } from "../redaction/redaction-shape.ts";
import type { ChangeSlots } from "../store/change-slots.ts";
import type { State } from "../store/state.ts";
import { type DomainRecord, RecordType } from "./log-records.ts";

export interface LoggedRecord {
  lsn: number;
  record: DomainRecord;
  /** The parsed assertion when the caller already has it (ingest); else parsed from C. */
  parsed?: Assertion;
  /**
   * Planning already found this id in neither the state nor a group in flight
   * (the single writer's commit loop): apply skips its own duplicate probe.
   * Records read back from a log (recovery, catch-up, a replicated log) are
   * probed here, since only the log order decides there.
   */
  deduped?: boolean;
}

export interface ApplyTarget {
  state: State;
  tree: MerkleTree;
  /** Where applied changes are published for other threads' answer caches. */
  changes?: ChangeSlots;
}

const decoder = new TextDecoder();

export function applyRecords(target: ApplyTarget, records: readonly LoggedRecord[]): void {
  if (records.length === 0) return;
  const { state, tree } = target;
  const leaves: Uint8Array[] = [];
  const touched = new Set<string>();
  let registry = false;
  /** The next leaf's seq; a record's own seq must match it, or be 0: assigned here, in log order (a replicated log, SPEC §10). */
  const nextSeq = (recorded: number, lsn: number): number => {
    const seq = tree.size + leaves.length + 1;
    if (recorded !== 0 && recorded !== seq) {
      throw new StemeError(
        "corrupt_segment",
        `record at lsn ${lsn} has seq ${recorded}, expected ${seq}`,
        { lsn },
      );
    }
    return seq;
  };
  state.transaction(() => {
    let lastLsn = state.meta.get("last_lsn");
    for (const { lsn, record, parsed, deduped } of records) {
      if (lsn <= lastLsn) continue; // already applied (replay is idempotent)
      if (lsn !== lastLsn + 1) {
        throw new StemeError(
          "corrupt_segment",
          `log gap: expected lsn ${lastLsn + 1}, got ${lsn}`,
          { lsn },
        );
      }
      lastLsn = lsn;
      switch (record.type) {
        case RecordType.assertion: {
          const r = record.body;
          // A duplicate, or a redacted one, is a no-op; planning probed for both already when `deduped`.
          if (deduped !== true) {
            if (state.assertions.seqOf(r.id) !== undefined) break;
            if (state.redacted.size > 0 && state.redacted.byId(r.id)) break;
          }
          const seq = nextSeq(r.seq, lsn);
          const a = parsed ?? (JSON.parse(decoder.decode(r.canonical)) as Assertion);
          state.assertions.insert({
            seq,
            id: r.id,
            concept: a.concept,
            predicate: a.predicate,
            agent: a.agent,
            confidence: a.confidence ?? null,
            ts: a.ts,
            retracts: a.retracts === undefined ? null : fromHex(a.retracts, 32),
            status: r.status,
            reasons: r.reasons,
            received_at: r.receivedAt,
            canonical: r.canonical,
            sig: r.sig,
          });
          touched.add(a.concept);
          leaves.push(leafHash(r.id));
          // SPEC §12: a redaction (checked by the plan) scrubs its target here, in this transaction.
          const redaction = redactionOf(a);
          if (redaction !== undefined) {
            const target = fromHex(redaction.target, 32);
            const gone = applyRedaction(state, {
              target,
              reason: redaction.reason,
              redactionSeq: seq,
            });
            if (gone !== undefined) touched.add(gone); // cached answers held the target
          }
          break;
        }
        case RecordType.stub: {
          const r = record.body;
          const seq = nextSeq(r.seq, lsn);
          applyStub(state, seq, r.id);
          leaves.push(leafHash(r.id));
          break;
        }
        case RecordType.status: {
          const id = fromHex(record.body.id, 32);
          state.assertions.setStatus(id, record.body.status);
          const reviewed = target.changes && state.assertions.byId(id)?.concept;
          if (reviewed) touched.add(reviewed);
          break;
        }
        case RecordType.agent:
          state.agents.merge(record.body);
          registry = true;
          break;
      }
    }
    // Leaf rows are in place, so the node store can derive level-0 hashes.
    tree.append(leaves);
    state.nodes.flush(); // the new nodes, batched, in this transaction
    state.meta.set("last_lsn", lastLsn);
    state.meta.set("tree_size", tree.size);
  });
  target.changes?.publish(touched, registry, tree.size);
}
