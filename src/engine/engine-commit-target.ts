/**
 * What the commit loop drives (commit-loop.ts `CommitTarget`), wired from the
 * engine's parts: plan against the applied state, append to the engine's log,
 * apply through the `LogApplier`. With a replicated log (SPEC §10) the two
 * ends change: the append resolves once this node's follower applied the
 * records, so the loop neither applies them nor plans on top of them, and
 * seqs are decided at apply in log order.
 */
import type { Clock } from "../clock.ts";
import type { StemeError } from "../errors.ts";
import type { IngestPolicy } from "../ingest-policy.ts";
import type { EngineLog } from "../log/engine-log.ts";
import type { LogRecordInput } from "../log/record-frame.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import type { State } from "../store/state.ts";
import type { LoggedRecord } from "./apply.ts";
import type { CommitTarget } from "./commit-loop.ts";
import type { LogApplier } from "./log-applier.ts";
import type { PendingRecords } from "./pending-records.ts";
import { type CommitWork, planWork } from "./plan.ts";

export interface CommitTargetParts {
  state: State;
  log: EngineLog;
  applier: LogApplier;
  policy: IngestPolicy;
  clock: Clock;
  refusal(): StemeError | undefined;
  appendFailed(error: StemeError): void;
  applyFailed(error: unknown): StemeError;
  treeHead(): SignedTreeHead;
  applied(sth: SignedTreeHead): void;
}

export function engineCommitTarget(p: CommitTargetParts): CommitTarget {
  const { state, log, applier, policy, clock } = p;
  const replicated = log.replicated;
  return {
    policy,
    pipelined: !replicated,
    refusal: p.refusal,
    plan: (group: CommitWork[], pending: PendingRecords) =>
      planWork(group, {
        state,
        treeSize: applier.tree.size,
        pending,
        policy,
        now: clock.now(),
        seqAtApply: replicated,
      }),
    append: (records: readonly LogRecordInput[]) => log.append(records),
    appendFailed: p.appendFailed,
    apply: (records: readonly LoggedRecord[]) => {
      if (!replicated) applier.apply(records);
    },
    applyFailed: p.applyFailed,
    treeHead: p.treeHead,
    applied: p.applied,
  };
}
