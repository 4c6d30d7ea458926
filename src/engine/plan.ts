/**
 * Planning one commit group (SPEC §2.1, §2.3): the decisions that depend on
 * state and on order, made before anything is written. Duplicates (same id,
 * in the state, in a group still in flight, or earlier in the group) are not
 * recorded again; retractions must name an earlier, non-retraction assertion
 * of the same agent and key; the ingest policy picks accepted or quarantined;
 * each recorded assertion gets the next seq. The output is the list of log
 * records to append, in order.
 *
 * The group is planned against the applied state plus `pending`: the records
 * of the groups planned before it and not yet applied (the commit loop's
 * pipeline, commit-loop.ts). `planWork` opens the group in `pending` and in
 * the policy; the caller closes it in both once it is applied or refused.
 */
import { StemeError } from "../errors.ts";
import { fromHex } from "../hex.ts";
import type { IngestPolicy } from "../ingest-policy.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import type { Assertion, PreparedAssertion } from "../protocol/assertion.ts";
import { checkReserved, redactedTargetError } from "../redaction/check-redaction.ts";
import { isReservedConcept } from "../redaction/redaction-shape.ts";
import type { AgentUpdate } from "../store/agent-table.ts";
import type { State } from "../store/state.ts";
import { type DomainRecord, encodeRecord, RecordType, Status, statusName } from "./log-records.ts";
import type { PendingRecords } from "./pending-records.ts";

export type ItemOutcome =
  | {
      id: string;
      seq: number;
      /** `redacted`: the id was recorded and then redacted (SPEC §12); nothing is stored again. */
      status: "accepted" | "quarantined" | "duplicate" | "redacted";
      reasons?: string[];
    }
  | { id: string; status: "rejected"; error: StemeError };

interface WorkBase<T> {
  finish(plan: Plan, sth: SignedTreeHead): T;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export type WorkSpec =
  | { kind: "assertions"; items: PreparedAssertion[]; outcomes?: ItemOutcome[] }
  | { kind: "status"; id: Uint8Array; status: "released" | "rejected"; error?: StemeError }
  | { kind: "agent"; update: AgentUpdate };

export type CommitWork<T = unknown> = WorkSpec & WorkBase<T>;
export type CommitRequest<T> = WorkSpec & Pick<WorkBase<T>, "finish">;

export interface PlannedRecord {
  record: DomainRecord;
  encoded: { type: number; payload: Uint8Array };
  parsed?: Assertion;
}

export interface Plan {
  records: PlannedRecord[];
}

export interface PlanContext {
  state: State;
  /** The applied tree size. */
  treeSize: number;
  /** Groups planned before this one and not yet applied; this group is recorded into it too. */
  pending: PendingRecords;
  policy: IngestPolicy;
  now: number;
  /**
   * Cluster mode (SPEC §10): other nodes publish too, so seqs are assigned by
   * the apply function in stream order; records carry seq 0. The planned seqs
   * in the outcomes are then provisional, and the engine reads the real ones
   * after apply.
   */
  seqAtApply?: boolean;
}

export function planWork(group: CommitWork[], ctx: PlanContext): Plan {
  const { pending } = ctx;
  const seqBase = ctx.treeSize + pending.leaves;
  pending.beginGroup();
  ctx.policy.beginGroup?.(ctx.state);
  const records: PlannedRecord[] = [];
  let nextSeq = seqBase + 1;
  const push = (record: DomainRecord, parsed?: Assertion) =>
    records.push(
      parsed === undefined
        ? { record, encoded: encodeRecord(record) }
        : { record, encoded: encodeRecord(record), parsed },
    );

  for (const work of group) {
    switch (work.kind) {
      case "assertions":
        work.outcomes = work.items.map((item) => {
          const earlier = pending.assertion(item.idHex);
          if (earlier) return { id: item.idHex, seq: earlier.seq, status: "duplicate" };
          const stored = ctx.state.assertions.seqOf(item.id);
          if (stored) return { id: item.idHex, seq: stored.seq, status: "duplicate" };
          const redacted =
            ctx.state.redacted.size > 0 ? ctx.state.redacted.byId(item.id) : undefined;
          if (redacted) return { id: item.idHex, seq: redacted.seq, status: "redacted" };
          const bad =
            checkRetraction(item.assertion, pending, ctx.state) ??
            checkReserved(item.assertion, pending, ctx.state);
          if (bad) return { id: item.idHex, status: "rejected", error: bad };
          // A redaction (SPEC §12) is an operator's act, not content to defend against.
          const { status, reasons } = isReservedConcept(item.assertion.concept)
            ? { status: "accepted" as const, reasons: [] }
            : ctx.policy.classify(item, ctx.state);
          const seq = nextSeq++;
          pending.addAssertion(item.idHex, { seq, status, assertion: item.assertion });
          push(
            {
              type: RecordType.assertion,
              body: {
                seq: ctx.seqAtApply ? 0 : seq,
                status: Status[status],
                receivedAt: ctx.now,
                id: item.id,
                sig: item.sig,
                reasons,
                canonical: item.canonical,
              },
            },
            item.assertion,
          );
          return reasons.length > 0
            ? { id: item.idHex, seq, status, reasons }
            : { id: item.idHex, seq, status };
        });
        break;
      case "status": {
        const idHex = Buffer.from(work.id).toString("hex");
        const current =
          pending.status(idHex) ??
          pending.assertion(idHex)?.status ??
          (() => {
            const row = ctx.state.assertions.seqOf(work.id);
            return row && statusName(row.status);
          })();
        if (current === undefined) {
          work.error = new StemeError("not_found", "no assertion with this id", { field: "id" });
        } else if (current !== "quarantined") {
          const detail = `assertion is ${current}, not quarantined`;
          work.error = new StemeError("not_quarantined", detail, { field: "id" });
        } else {
          pending.setStatus(idHex, work.status);
          push({
            type: RecordType.status,
            body: { id: idHex, status: Status[work.status], at: ctx.now },
          });
        }
        break;
      }
      case "agent":
        push({ type: RecordType.agent, body: work.update });
        break;
    }
  }
  return { records };
}

/** SPEC §2.1 `retracts`: an earlier assertion by the same agent on the same key, not itself a retraction. */
function checkRetraction(
  a: Assertion,
  pending: PendingRecords,
  state: State,
): StemeError | undefined {
  if (a.retracts === undefined) return undefined;
  const field = { field: "retracts" };
  let target:
    | { agent: string; concept: string; predicate: string; retracts?: unknown }
    | undefined = pending.assertion(a.retracts)?.assertion;
  if (target === undefined) {
    const row = state.assertions.byId(fromHex(a.retracts, 32));
    if (row) target = row;
  }
  if (target === undefined) {
    return (
      redactedTargetError(state, fromHex(a.retracts, 32)) ??
      new StemeError("unknown_target", "retracts names no recorded assertion", field)
    );
  }
  if (target.agent !== a.agent)
    return new StemeError(
      "not_owner",
      "only the agent that made an assertion can retract it",
      field,
    );
  if (target.concept !== a.concept || target.predicate !== a.predicate) {
    return new StemeError(
      "target_mismatch",
      "a retraction must have the concept and predicate of its target",
      field,
    );
  }
  if (target.retracts !== undefined && target.retracts !== null) {
    return new StemeError("target_mismatch", "a retraction cannot be retracted", field);
  }
  return undefined;
}
