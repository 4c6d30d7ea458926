/**
 * The storage engine: ingest (group commit into the segment log, then the one
 * apply path into SQLite and the Merkle tree), recovery on open, and the
 * narrow read interface everything above uses (SPEC §5).
 *
 * Write path per commit group (commit-loop.ts): plan (dedupe, retraction
 * checks, policy, seq assignment) → one log append = one write + one
 * fdatasync → apply in one SQLite transaction → sign a tree head → answer,
 * pipelined: group N+1 is planned and written while group N is applied.
 * Submissions that arrive meanwhile form the next group, so concurrent writers
 * share fsyncs. No caller hears "durable" before its fsync.
 *
 * Storage faults (SPEC §6 storage breaker) never need a restart: a failed log
 * append, or a failed apply after a successful one (a full disk under db/),
 * opens the breaker — writes 503, reads go on, not ready — and its probe
 * checks the WAL directory takes a durable write and then applies the log's
 * unapplied tail through the apply function (`applyLogTail`, as recovery
 * does); only when both succeed does it close.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { HISTORY_FILE, writeDataDirHistory } from "../backup/data-dir-history.ts";
import { firstHistory } from "../backup/history.ts";
import { type Clock, systemClock } from "../clock.ts";
import { appliedOutcomes } from "../cluster/applied-outcomes.ts";
import { prepareClusterDataDir } from "../cluster/cluster-data-dir.ts";
import { ClusterReplication } from "../cluster/cluster-replication.ts";
import { probeDirectory, StorageBreaker } from "../defense/storage-breaker.ts";
import { StemeError } from "../errors.ts";
import { acceptAll, type IngestPolicy } from "../ingest-policy.ts";
import { nodeFileOps } from "../log/file-ops.ts";
import type { LogRecord, LogRecordInput } from "../log/record-frame.ts";
import { SegmentLog } from "../log/segment-log.ts";
import type { Logger } from "../logger.ts";
import { MerkleTree } from "../merkle/merkle-tree.ts";
import { loadOrCreateNodeKey } from "../merkle/node-key.ts";
import { type SignedTreeHead, signTreeHead } from "../merkle/tree-head.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import type { NativeSigner } from "../protocol/native-ed25519.ts";
import { readDataDirLedger } from "../redaction/data-dir-ledger.ts";
import type { RedactedEntry } from "../redaction/redacted-table.ts";
import { RedactionScrubber } from "../redaction/redaction-scrubber.ts";
import type { AgentEntry, AgentUpdate } from "../store/agent-table.ts";
import type { StoredAssertion } from "../store/assertion-table.ts";
import { Checkpointer } from "../store/checkpointer.ts";
import { State } from "../store/state.ts";
import { type ApplyTarget, applyRecords, type LoggedRecord } from "./apply.ts";
import { retryWhileBusy } from "./busy-retry.ts";
import { CommitLoop, type CommitTarget } from "./commit-loop.ts";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.ts";
import type { EngineOptions } from "./engine-options.ts";
import { decodeRecord } from "./log-records.ts";
import { writeMetadataFile } from "./metadata-file.ts";
import type { PendingRecords } from "./pending-records.ts";
import {
  type CommitRequest,
  type CommitWork,
  type ItemOutcome,
  type Plan,
  planWork,
} from "./plan.ts";
import { applyLogTail, recover } from "./recover.ts";
import { TreeSizeWaiters } from "./tree-size-waiters.ts";

export interface IngestResult {
  outcomes: ItemOutcome[];
  sth: SignedTreeHead;
}

export interface RecoveryReport {
  replayedRecords: number;
  millis: number;
  truncatedBytes: number;
}

export class Engine {
  readonly state: State;
  readonly #log: SegmentLog | undefined;
  /** Cluster mode (SPEC §10): the replicated log this node publishes to and follows. */
  readonly replication: ClusterReplication | undefined;
  readonly signer: NativeSigner;
  readonly recovery: RecoveryReport;
  /**
   * Opens on a failed log append or a failed apply; while open, writes are
   * refused and the engine is not ready. Its probe applies the unapplied log tail.
   */
  readonly storageBreaker: StorageBreaker;
  /** Scrubs the log and the SQLite WAL after redactions (SPEC §12); run at open and after each. */
  readonly redactions: RedactionScrubber;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #policy: IngestPolicy;
  readonly #dataDir: string;
  readonly #retentionMs: number;
  readonly #onApplied: ((sth: SignedTreeHead) => void) | undefined;
  readonly #loop: CommitLoop;
  #tree: MerkleTree;
  #sth: SignedTreeHead | undefined;
  readonly #sizeWaiters = new TreeSizeWaiters(() => this.#tree.size);
  #closed = false;
  readonly #lock: DataDirLock;
  readonly #checkpointer: Checkpointer;

  private constructor(
    parts: {
      state: State;
      log: SegmentLog | undefined;
      replication: ClusterReplication | undefined;
      tree: MerkleTree;
      signer: NativeSigner;
      recovery: RecoveryReport;
      lock: DataDirLock;
      checkpointer: Checkpointer;
    },
    options: EngineOptions,
  ) {
    this.state = parts.state;
    this.#log = parts.log;
    this.replication = parts.replication;
    this.#tree = parts.tree;
    this.signer = parts.signer;
    this.recovery = parts.recovery;
    this.#lock = parts.lock;
    this.#checkpointer = parts.checkpointer;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#policy = options.policy ?? acceptAll;
    this.#dataDir = options.dataDir;
    this.#retentionMs = (options.logRetentionHours ?? 168) * 3_600_000;
    this.#onApplied = options.onApplied;
    this.#loop = new CommitLoop(this.#commitTarget(this.#policy));
    this.redactions = new RedactionScrubber({
      state: parts.state,
      log: parts.log,
      logger: options.logger,
      ...(options.redactionHooks ? { hooks: options.redactionHooks } : {}),
    });
    const { probeSeconds = 5, ...hooks } = options.storageBreaker ?? {};
    const { log, replication } = parts;
    const probeWal = log && probeDirectory(log.dir, options.log?.fileOps ?? nodeFileOps);
    this.storageBreaker = new StorageBreaker({
      probe: async () => {
        if (replication) return await replication.probe();
        await probeWal?.();
        await this.#catchUp();
      },
      probeSeconds,
      clock: this.#clock,
      logger: this.#logger,
      ...hooks,
    });
  }

  /** The node's own segment log (single-node mode); cluster mode has none: the stream is the log. */
  get log(): SegmentLog {
    if (this.#log) return this.#log;
    throw new StemeError("config_invalid", "cluster mode has no segment log (the stream is)");
  }

  /** The segment log, or undefined in cluster mode. */
  get segmentLog(): SegmentLog | undefined {
    return this.#log;
  }

  /** Opens (or creates) a data dir: node key, log scan, state, replay of the unapplied tail. */
  static async open(options: EngineOptions): Promise<Engine> {
    const started = performance.now();
    const fresh = isNewDataDir(options.dataDir);
    mkdirSync(join(options.dataDir, "db"), { recursive: true });
    const lock = lockDataDir(options.dataDir);
    try {
      // SPEC §7: a data dir's history is made when it is created, before anything else.
      if (fresh) writeDataDirHistory(options.dataDir, firstHistory(Date.now()));
      return await Engine.#open(options, lock, started);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  static async #open(options: EngineOptions, lock: DataDirLock, started: number): Promise<Engine> {
    const key = loadOrCreateNodeKey(options.dataDir);
    if (key.created) options.logger.info("created node key", { path: key.path });
    if (options.cluster) return await Engine.#openClustered(options, lock, started, key.signer);
    const log = await SegmentLog.open(join(options.dataDir, "wal"), {
      ...options.log,
      ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
      logger: options.logger,
      now: () => (options.clock ?? systemClock).now(),
    });
    const dbPath = join(options.dataDir, "db", "state.sqlite");
    const state = State.open(dbPath, { logger: options.logger }); // logs migration progress
    try {
      const { tree, replayed } = recover(state, log, readDataDirLedger(options.dataDir));
      const recovery: RecoveryReport = {
        replayedRecords: replayed,
        millis: performance.now() - started,
        truncatedBytes: log.openReport?.truncatedBytes ?? 0,
      };
      // Checkpoints move to a worker thread; the engine's connection checkpoints
      // itself only as a safety net if the worker falls far behind (~400 MiB).
      const checkpointer = new Checkpointer(dbPath);
      state.db.run("PRAGMA wal_autocheckpoint = 100000");
      const engine = new Engine(
        {
          state,
          log,
          replication: undefined,
          tree,
          signer: key.signer,
          recovery,
          lock,
          checkpointer,
        },
        options,
      );
      engine.#writeMetadata();
      await engine.redactions.scrub(); // finishes a scrub a crash interrupted (SPEC §12)
      options.logger.info("engine ready", { tree_size: tree.size, ...recovery });
      return engine;
    } catch (e) {
      state.close();
      await log.close();
      throw e;
    }
  }

  /**
   * Cluster mode (SPEC §10): no segment log; the state follows the JetStream
   * stream from its `last_lsn` (stream sequence = LSN) and is ready once it
   * has caught up with the stream as it was at start.
   */
  static async #openClustered(
    options: EngineOptions,
    lock: DataDirLock,
    started: number,
    signer: NativeSigner,
  ): Promise<Engine> {
    const cluster = options.cluster as NonNullable<EngineOptions["cluster"]>;
    const dbPath = join(options.dataDir, "db", "state.sqlite");
    const state = State.open(dbPath, { logger: options.logger }); // logs migration progress
    let replication: ClusterReplication | undefined;
    try {
      prepareClusterDataDir(options.dataDir, state.meta.get("last_lsn"), options.logger);
      replication = await ClusterReplication.open(cluster, options.logger);
      const tree = MerkleTree.open(state.nodes, state.meta.get("tree_size"));
      const checkpointer = new Checkpointer(dbPath);
      state.db.run("PRAGMA wal_autocheckpoint = 100000");
      const recovery: RecoveryReport = { replayedRecords: 0, millis: 0, truncatedBytes: 0 };
      const engine = new Engine(
        { state, log: undefined, replication, tree, signer, recovery, lock, checkpointer },
        options,
      );
      const from = state.meta.get("last_lsn");
      await replication.start(from, (records) => engine.#applyStream(records));
      recovery.replayedRecords = state.meta.get("last_lsn") - from;
      recovery.millis = performance.now() - started;
      engine.#writeMetadata();
      options.logger.info("engine ready (cluster mode)", {
        tree_size: engine.tree.size,
        stream: cluster.stream,
        ...recovery,
      });
      return engine;
    } catch (e) {
      await replication?.stop();
      state.close();
      throw e;
    }
  }

  /** Records consumed from the stream, in order: through the apply function, then announced. */
  #applyStream(records: LogRecord[]): void {
    const logged: LoggedRecord[] = records.map((r) => ({
      lsn: r.lsn,
      record: decodeRecord(r.type, r.payload),
    }));
    try {
      applyRecords(this.#applyTarget(), logged);
    } catch (e) {
      this.#reopenTree();
      throw e;
    }
    this.#notifyApplied(this.treeHead());
  }

  /** The Merkle tree of the applied state (reopened from the state after a failed apply). */
  get tree(): MerkleTree {
    return this.#tree;
  }

  /** Queues work for the next commit group and resolves once it is durable and applied. */
  commit<T>(work: CommitRequest<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StemeError("not_ready", "engine is closed"));
    const refusal = this.#refusal();
    if (refusal) return Promise.reject(refusal);
    return new Promise<T>((resolve, reject) => {
      this.#loop.submit({ ...work, resolve, reject } as CommitWork);
    });
  }

  #commitTarget(policy: IngestPolicy) {
    // In cluster mode `append` returns once the follower applied the records.
    const clustered = this.replication !== undefined;
    return {
      policy,
      pipelined: !clustered,
      refusal: () => this.#refusal(),
      plan: (group: CommitWork[], pending: PendingRecords) =>
        planWork(group, {
          state: this.state,
          treeSize: this.#tree.size,
          pending,
          policy,
          now: this.#clock.now(),
          seqAtApply: clustered,
        }),
      append: (records: readonly LogRecordInput[]) =>
        (this.replication ?? (this.#log as SegmentLog)).append(records),
      appendFailed: (error: StemeError) => this.storageBreaker.recordFailure(error),
      apply: (records: readonly LoggedRecord[]) => {
        if (clustered) return;
        retryWhileBusy(() => applyRecords(this.#applyTarget(), records), {
          onRetry: (attempt, error) => {
            this.#logger.warn("apply met a busy database; running it again", {
              attempt,
              error: String(error),
            });
            this.#reopenTree(); // the rolled-back transaction's leaves are void
          },
        });
      },
      applyFailed: (error: unknown) => this.#applyFailed(error),
      treeHead: () => this.treeHead(),
      applied: (sth: SignedTreeHead) => this.#notifyApplied(sth),
    } satisfies CommitTarget;
  }

  /** Writes are refused by the storage breaker, or (cluster mode) by a follower that cannot apply. */
  #refusal = () => this.storageBreaker.refusal() ?? this.replication?.refusal();

  #applyTarget(): ApplyTarget {
    return { state: this.state, tree: this.#tree };
  }

  /**
   * Durable records could not be applied (the transaction rolled back). The
   * in-memory tree may have run ahead of the rolled-back rows: reopen it from
   * the state. Open the breaker; its probe applies the tail (`#catchUp`).
   */
  #applyFailed(error: unknown): StemeError {
    this.#logger.error(
      "apply failed after a durable log append; writes are refused until the unapplied log tail applies",
      {
        error: String(error),
        code: (error as { code?: unknown })?.code,
        log_lsn: this.#log?.lastLsn,
      },
    );
    this.#reopenTree();
    this.storageBreaker.recordFailure(error);
    return new StemeError(
      "storage_unavailable",
      "the state database failed a write (full or faulty disk): this write is in the log but not " +
        "applied, and is not acknowledged; it is applied once storage recovers. Resubmit it later " +
        "to get its receipt (it is then answered as a duplicate)",
      { retryAfterS: this.storageBreaker.refusal()?.context.retryAfterS ?? 1 },
      error,
    );
  }

  #reopenTree(): void {
    try {
      this.#tree = MerkleTree.open(this.state.nodes, this.state.meta.get("tree_size"));
    } catch (e) {
      this.#logger.error("could not reopen the Merkle tree from the state", { error: String(e) });
    }
  }

  /**
   * The storage breaker's probe, after the WAL directory took a durable write:
   * applies the log records after the state's `last_lsn` (left by a failed
   * apply) through the apply function, once nothing is in flight. Throws —
   * the breaker stays open — while they cannot be applied.
   */
  async #catchUp(): Promise<void> {
    await this.#loop.idle();
    if (this.#closed) throw new StemeError("not_ready", "engine is closed");
    const log = this.#log;
    const applied = this.state.meta.get("last_lsn");
    if (log === undefined || applied >= log.lastLsn) return;
    let replayed: number;
    try {
      replayed = applyLogTail(this.#applyTarget(), log);
    } catch (e) {
      this.#reopenTree();
      throw e;
    }
    this.#logger.info("applied the log's unapplied tail", {
      from_lsn: applied + 1,
      records: replayed,
    });
    this.#notifyApplied(this.treeHead());
  }

  #notifyApplied(sth: SignedTreeHead): void {
    this.#sizeWaiters.reached(this.#tree.size);
    try {
      this.#onApplied?.(sth);
    } catch (e) {
      this.#logger.warn("onApplied hook threw", { error: String(e) });
    }
  }

  /**
   * Resolves once this node's tree has at least `size` leaves (read-your-writes
   * across cluster nodes, SPEC §10 `min_tree_size`); after `timeoutMs` rejects
   * with `not_ready` (503, Retry-After 1).
   */
  waitForTreeSize(size: number, timeoutMs: number): Promise<void> {
    return this.#sizeWaiters.wait(size, timeoutMs);
  }

  /** The signed tree head for the current size (re-signed only when the tree grew). */
  treeHead(): SignedTreeHead {
    const size = this.tree.size;
    if (this.#sth?.tree_size !== size) {
      this.#sth = signTreeHead(size, this.tree.root(), this.#clock.now(), this.signer);
    }
    return this.#sth;
  }

  get ready(): boolean {
    return (
      !this.#closed && this.storageBreaker.state === "closed" && (this.replication?.ready ?? true)
    );
  }

  getAssertion(id: Uint8Array): StoredAssertion | undefined {
    return this.state.assertions.byId(id);
  }

  getRedacted(id: Uint8Array): RedactedEntry | undefined {
    return this.state.redacted.byId(id);
  }

  history(concept: string, predicate: string, afterSeq: number, limit: number): StoredAssertion[] {
    return this.state.assertions.history(concept, predicate, afterSeq, limit);
  }

  agent(key: string): AgentEntry | undefined {
    return this.state.agents.get(key);
  }

  agents(after: string, limit: number): AgentEntry[] {
    return this.state.agents.list(after, limit);
  }

  /** Records verified assertions (one group commit); outcomes are in input order. */
  ingest(items: PreparedAssertion[]): Promise<IngestResult> {
    const settle = this.replication
      ? (p: Plan, o: ItemOutcome[]) => appliedOutcomes(this.state, p, o)
      : undefined;
    return this.commit<IngestResult>({
      kind: "assertions",
      items,
      finish(plan, sth) {
        const outcomes = this.outcomes ?? [];
        return { outcomes: settle ? settle(plan, outcomes) : outcomes, sth };
      },
    });
  }

  /** Quarantine review (SPEC §6): release or reject, recorded in the log; nothing is deleted. */
  async setStatus(id: Uint8Array, status: "released" | "rejected"): Promise<StoredAssertion> {
    const done = await this.commit<StemeError | undefined>({
      kind: "status",
      id,
      status,
      finish() {
        return this.error;
      },
    });
    if (done) throw done;
    return this.state.assertions.byId(id) as StoredAssertion;
  }

  /** Registry updates are log records too (SPEC §10), applied by the same path. */
  updateAgent(update: Omit<AgentUpdate, "at">): Promise<AgentEntry> {
    return this.commit({
      kind: "agent",
      update: { ...update, at: this.#clock.now() },
      finish: () => this.state.agents.get(update.agent) as AgentEntry,
    });
  }

  /** Removes old segments that are applied and checkpointed into SQLite (SPEC §5). */
  runRetention(archivedLsn?: number): string[] {
    this.state.checkpoint();
    if (this.#log === undefined) return []; // cluster mode: the stream's own retention applies
    return this.#log.removeSegments({
      olderThanMs: this.#retentionMs,
      nowMs: this.#clock.now(),
      appliedLsn: this.state.meta.get("last_lsn"),
      ...(archivedLsn === undefined ? {} : { archivedLsn }),
    });
  }

  #writeMetadata(): void {
    writeMetadataFile(this.#dataDir, this.treeHead(), this.#clock.now());
  }

  /** Drains queued and in-flight commits, then closes the log and the state. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.storageBreaker.stop();
    await this.#loop.idle();
    await this.replication?.stop();
    if (this.#log === undefined || this.state.meta.get("last_lsn") === this.#log.lastLsn) {
      // Informational only; a full disk must not stop the close (the log is the truth).
      try {
        this.#writeMetadata();
      } catch (e) {
        this.#logger.warn("could not write metadata.json on close", { error: String(e) });
      }
    }
    await this.#log?.close();
    await this.#checkpointer.stop(); // its connection closes first: ours checkpoints the rest
    this.state.close();
    this.#lock.release();
  }
}

/** Nothing of a data dir is there yet (no state, no log, no history): Engine.open creates one. */
function isNewDataDir(dataDir: string): boolean {
  return ["db/state.sqlite", "wal", HISTORY_FILE].every((p) => !existsSync(join(dataDir, p)));
}
