/**
 * The pipelined commit loop (SPEC §5 group commit): writes queue up while a
 * group is on its way and form the next group; group N+1 is planned and
 * handed to the log — its write and fdatasync run on the log's I/O thread —
 * as soon as group N is durable, and N is applied (one SQLite transaction,
 * THE apply function) while N+1's fdatasync is in flight. One group at a time
 * is in the log's hands and at most one durable group waits to be applied.
 *
 *   N:    plan ─ write+fdatasync ─┬─ apply ─ answer
 *   N+1:                          └─ plan ─ write+fdatasync ─┬─ apply ─ answer
 *
 * Planning N+1 before N is applied: it runs against the applied state plus
 * `PendingRecords` (N's assertions by id, its status changes, its leaf count),
 * so seqs continue after N's, a duplicate of an item of N is a duplicate with
 * N's seq, and a retraction may target an item of N. A group holding a status
 * change or registry update is a barrier: it is applied before anything is
 * planned on top of it (quarantine rules read the registry and statuses from
 * the state). See `IngestPolicy.beginGroup/endGroup` for the policy's side.
 *
 * Failure story (what each submitter hears, what the state and log keep):
 *
 * - No answer before durability: a group is answered only after its own
 *   fdatasync returned and it was applied; groups are answered in order.
 * - N+1's write or fdatasync fails (whether N is applied yet or not): nothing
 *   of N+1 is applied or acknowledged; its submitters get the log's
 *   storage_unavailable (503); the log has cut N+1's bytes back off (or will,
 *   before it writes anything else) and hands its LSNs out again; the storage
 *   breaker opens, so work queued meanwhile is refused (503) rather than
 *   planned. Nothing was planned on top of N+1: the next group is planned only
 *   once its predecessor is durable. N is unaffected (it was durable already).
 *   The state stays at N's record boundary.
 * - N fails to apply (the transaction rolled back: e.g. the disk under db/ is
 *   full): N's records are durable but not applied. N's submitters, and those
 *   of N+1 (planned on top of N, possibly already written), get
 *   storage_unavailable (503): not acknowledged — their records may well be
 *   recorded, a resubmission then answers "duplicate" with the seq. The
 *   storage breaker opens (writes 503, readiness false) and its probe applies
 *   the log's unapplied tail through the apply function, exactly as recovery
 *   does, before it lets a write in again (see Engine). The state stays at the
 *   last applied record boundary throughout.
 *
 * Cluster mode (SPEC §10) swaps the two ends of `CommitTarget`: `append`
 * becomes a publish acknowledged by the replicated log, and `apply` runs when
 * this node's consumer reaches the record. Seqs and duplicates are then
 * decided at apply time, in stream order, since other nodes publish too; the
 * planning overlay here is for the single writer of a segment log.
 */
import { StemeError } from "../errors.ts";
import type { IngestPolicy } from "../ingest-policy.ts";
import type { LogRecordInput } from "../log/record-frame.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import type { LoggedRecord } from "./apply.ts";
import { RecordType } from "./log-records.ts";
import { PendingRecords } from "./pending-records.ts";
import type { CommitWork, Plan } from "./plan.ts";

/** What the loop drives: the engine. */
export interface CommitTarget {
  readonly policy: IngestPolicy;
  /**
   * False when `append` resolves only once the records are applied (cluster
   * mode: the stream consumer applies them): the next group is then planned
   * after this one is answered, never on top of it.
   */
  readonly pipelined?: boolean;
  /** Refuses new work while storage is unavailable (the storage breaker). */
  refusal(): StemeError | undefined;
  /** planWork against the applied state and `pending`. */
  plan(group: CommitWork[], pending: PendingRecords): Plan;
  /** The log append: resolves once durable, with the first LSN. */
  append(records: readonly LogRecordInput[]): Promise<{ firstLsn: number }>;
  /** A log append failed with this error (already a StemeError). */
  appendFailed(error: StemeError): void;
  /** THE apply function on the state; throws if the transaction rolled back. */
  apply(records: readonly LoggedRecord[]): void;
  /** Apply threw: make the state consistent again, return what submitters hear. */
  applyFailed(error: unknown): StemeError;
  /** The signed tree head of the applied state. */
  treeHead(): SignedTreeHead;
  /** After a group was applied and before its submitters are answered. */
  applied(sth: SignedTreeHead): void;
}

/** A group on its way: planned, handed to the log, not yet applied. */
interface Stage {
  group: CommitWork[];
  plan: Plan;
  /** The first LSN once durable, or the append's error; never rejects. */
  written: Promise<number | StemeError>;
  /** Holds a status change or registry update: nothing is planned on top before it is applied. */
  barrier: boolean;
  /** Set when the group it was planned on failed: it is refused with this, whatever its append does. */
  doomed?: StemeError;
}

export class CommitLoop {
  readonly #target: CommitTarget;
  readonly #pending = new PendingRecords();
  #queue: CommitWork[] = [];
  #running: Promise<void> | undefined;

  constructor(target: CommitTarget) {
    this.#target = target;
  }

  /** Queues work for the next group (the caller checked refusal already). */
  submit(work: CommitWork): void {
    this.#queue.push(work);
    this.#running ??= this.#drain();
  }

  /** Resolves once nothing is queued, in flight or waiting to be applied. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #drain(): Promise<void> {
    let inFlight: Stage | undefined;
    while (inFlight !== undefined || this.#queue.length > 0) {
      if (inFlight === undefined) {
        inFlight = this.#start(this.#take());
        continue;
      }
      const written = await inFlight.written;
      let next: Stage | undefined;
      if (
        typeof written === "number" &&
        this.#target.pipelined !== false &&
        inFlight.doomed === undefined &&
        !inFlight.barrier &&
        this.#queue.length > 0
      ) {
        next = this.#start(this.#take()); // planned on top of inFlight; its I/O is under way now
      }
      const failure = this.#finish(inFlight, written);
      if (failure !== undefined && next !== undefined) next.doomed = failure;
      inFlight = next;
    }
    this.#running = undefined;
  }

  #take(): CommitWork[] {
    const group = this.#queue;
    this.#queue = [];
    return group;
  }

  /** Plans a group and hands its records to the log; undefined if it was refused outright. */
  #start(group: CommitWork[]): Stage | undefined {
    const t = this.#target;
    // Work queued behind a failure that opened the storage breaker is refused, not tried.
    const refusal = t.refusal();
    if (refusal) {
      for (const w of group) w.reject(refusal);
      return undefined;
    }
    const groupsBefore = this.#pending.groups;
    let plan: Plan;
    try {
      plan = t.plan(group, this.#pending);
    } catch (e) {
      // A bug, not a client mistake: close the group if planning opened it, refuse its work.
      if (this.#pending.groups > groupsBefore) this.#settle();
      for (const w of group) w.reject(e);
      return undefined;
    }
    const records = plan.records;
    const written: Promise<number | StemeError> =
      records.length === 0
        ? Promise.resolve(0)
        : t.append(records.map((r) => r.encoded)).then(
            (r) => r.firstLsn,
            (e: unknown) =>
              e instanceof StemeError
                ? e
                : new StemeError("storage_unavailable", "log append failed", {}, e),
          );
    const barrier = records.some((r) => r.record.type !== RecordType.assertion);
    return { group, plan, written, barrier };
  }

  /** Applies and answers a durable group, or refuses it; returns the failure, if any. */
  #finish(stage: Stage, written: number | StemeError): StemeError | undefined {
    const t = this.#target;
    let failure: StemeError | undefined;
    if (written instanceof StemeError) {
      if (written.code === "storage_unavailable") t.appendFailed(written);
      failure = written;
    } else if (stage.doomed !== undefined) {
      failure = stage.doomed;
    } else {
      // Planned against the state and the groups in flight: no duplicate among them.
      const logged: LoggedRecord[] = stage.plan.records.map((r, i) =>
        r.parsed === undefined
          ? { lsn: written + i, record: r.record, deduped: true }
          : { lsn: written + i, record: r.record, parsed: r.parsed, deduped: true },
      );
      try {
        t.apply(logged);
      } catch (e) {
        failure = t.applyFailed(e);
      }
    }
    this.#settle();
    if (failure !== undefined) {
      for (const w of stage.group) w.reject(failure);
      return failure;
    }
    const sth = t.treeHead();
    t.applied(sth);
    for (const w of stage.group) {
      try {
        w.resolve(w.finish(stage.plan, sth));
      } catch (e) {
        w.reject(e); // a bug in building the answer: that caller hears it, the loop goes on
      }
    }
    return undefined;
  }

  /** The oldest group in flight is applied or refused: close it in the overlay and the policy. */
  #settle(): void {
    this.#pending.endGroup();
    this.#target.policy.endGroup?.();
  }
}
