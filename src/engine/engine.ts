/**
 * The storage engine: ingest (group commit into the engine's log, then the
 * one apply path into SQLite and the Merkle tree), recovery on open, and the
 * narrow read interface everything above uses (SPEC §5).
 *
 * Write path per commit group (commit-loop.ts): plan (dedupe, retraction
 * checks, policy, seq assignment) → one log append = one write + one
 * fdatasync → apply in one SQLite transaction → sign a tree head → answer,
 * pipelined: group N+1 is planned and written while group N is applied.
 * Submissions that arrive meanwhile form the next group, so concurrent writers
 * share fsyncs. No caller hears "durable" before its fsync.
 *
 * The log is an `EngineLog`: the node's segment files by default, or a
 * replicated stream (cluster mode, SPEC §10) that the opener passes in; the
 * engine drives both the same way and imports neither's internals. Every
 * apply — a group, recovery, catch-up, a replicated log's records — goes
 * through one `LogApplier` (busy retry, tree reopen).
 *
 * Storage faults (SPEC §6 storage breaker) never need a restart: a failed log
 * append, or a failed apply after a successful one (a full disk under db/),
 * opens the breaker — writes 503, reads go on, not ready — and its probe
 * checks the log takes a durable write and then applies the log's unapplied
 * tail (`log.follow`, as recovery does); only when both succeed does it close.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { HISTORY_FILE, writeDataDirHistory } from "../backup/data-dir-history.ts";
import { firstHistory } from "../backup/history.ts";
import { type Clock, systemClock } from "../clock.ts";
import { StorageBreaker } from "../defense/storage-breaker.ts";
import { StemeError } from "../errors.ts";
import { fromHex, toHex } from "../hex.ts";
import { acceptAll, type IngestPolicy } from "../ingest-policy.ts";
import type { EngineLog, LogOpener } from "../log/engine-log.ts";
import type { LogRecord } from "../log/record-frame.ts";
import { SegmentLog } from "../log/segment-log.ts";
import type { Logger } from "../logger.ts";
import type { MerkleTree } from "../merkle/merkle-tree.ts";
import { loadOrCreateNodeKey } from "../merkle/node-key.ts";
import { type SignedTreeHead, signTreeHead } from "../merkle/tree-head.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import type { NativeSigner } from "../protocol/native-ed25519.ts";
import { applyRedaction } from "../redaction/apply-redaction.ts";
import { readDataDirLedger } from "../redaction/data-dir-ledger.ts";
import type { RedactedEntry } from "../redaction/redacted-table.ts";
import type { LedgerEntry } from "../redaction/redaction-ledger.ts";
import { RedactionScrubber } from "../redaction/redaction-scrubber.ts";
import type { AgentEntry, AgentUpdate } from "../store/agent-table.ts";
import type { StoredAssertion } from "../store/assertion-table.ts";
import { Checkpointer } from "../store/checkpointer.ts";
import { State } from "../store/state.ts";
import { appliedOutcomes } from "./applied-outcomes.ts";
import { CommitLoop } from "./commit-loop.ts";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.ts";
import { engineCommitTarget } from "./engine-commit-target.ts";
import type { EngineOptions } from "./engine-options.ts";
import { LogApplier } from "./log-applier.ts";
import { writeMetadataFile } from "./metadata-file.ts";
import type { CommitRequest, CommitWork, ItemOutcome, Plan } from "./plan.ts";
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
  /** The log this engine appends to and applies from (segment files, or a replicated stream). */
  readonly log: EngineLog;
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
  readonly #applier: LogApplier;
  readonly #loop: CommitLoop;
  #sth: SignedTreeHead | undefined;
  readonly #sizeWaiters = new TreeSizeWaiters(() => this.tree.size);
  #closed = false;
  readonly #lock: DataDirLock;
  readonly #checkpointer: Checkpointer;

  private constructor(
    parts: {
      state: State;
      log: EngineLog;
      signer: NativeSigner;
      recovery: RecoveryReport;
      lock: DataDirLock;
      checkpointer: Checkpointer;
    },
    options: EngineOptions,
  ) {
    this.state = parts.state;
    this.log = parts.log;
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
    this.#applier = new LogApplier(this.state, this.#logger, options.changes);
    this.#loop = new CommitLoop(
      engineCommitTarget({
        state: this.state,
        log: this.log,
        applier: this.#applier,
        policy: this.#policy,
        clock: this.#clock,
        refusal: () => this.#refusal(),
        appendFailed: (error) => this.storageBreaker.recordFailure(error),
        applyFailed: (error) => this.#applyFailed(error),
        treeHead: () => this.treeHead(),
        applied: (sth) => this.#notifyApplied(sth),
      }),
    );
    this.redactions = new RedactionScrubber({
      state: parts.state,
      // Cluster mode has no segment files to rewrite: the stream erases its copy instead.
      log: parts.log instanceof SegmentLog ? parts.log : undefined,
      stream: parts.log.eraseRedacted
        ? { eraseRedacted: parts.log.eraseRedacted.bind(parts.log) }
        : undefined,
      logger: options.logger,
      ...(options.redactionHooks ? { hooks: options.redactionHooks } : {}),
    });
    const { probeSeconds = 5, ...hooks } = options.storageBreaker ?? {};
    const log = this.log;
    this.storageBreaker = new StorageBreaker({
      probe: async () => {
        await log.probe();
        if (!log.replicated) await this.#catchUp(); // a replicated log's follower retries itself
      },
      probeSeconds,
      clock: this.#clock,
      logger: this.#logger,
      ...hooks,
    });
  }

  /**
   * Opens (or creates) a data dir: node key, state, the log, then the records
   * after the state's `last_lsn` through the apply path (recovery; in cluster
   * mode, catching up with the stream as it was at start).
   */
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
    const dbPath = join(options.dataDir, "db", "state.sqlite");
    const state = State.open(dbPath, {
      logger: options.logger, // migration progress
      ...(options.cacheMiB === undefined ? {} : { cacheMiB: options.cacheMiB }),
    });
    let log: EngineLog | undefined;
    let checkpointer: Checkpointer | undefined;
    try {
      const openLog = options.openLog ?? segmentLogOpener(options);
      const from = state.meta.get("last_lsn");
      log = await openLog({ dataDir: options.dataDir, appliedLsn: from });
      // Checkpoints move to a worker thread; the engine's connection checkpoints
      // itself only as a safety net if the worker falls far behind (~400 MiB).
      checkpointer = new Checkpointer(dbPath);
      state.db.run("PRAGMA wal_autocheckpoint = 100000");
      const recovery: RecoveryReport = {
        replayedRecords: 0,
        millis: 0,
        truncatedBytes: log.openReport?.truncatedBytes ?? 0,
      };
      const engine = new Engine(
        { state, log, signer: key.signer, recovery, lock, checkpointer },
        options,
      );
      recovery.replayedRecords = await log.follow(from, (records) => engine.#applyLog(records));
      const ledger = readDataDirLedger(options.dataDir);
      applyLedger(state, ledger);
      refuseOrphanStubs(state, ledger);
      recovery.millis = performance.now() - started;
      engine.#writeMetadata();
      await engine.redactions.scrub(); // finishes a scrub a crash interrupted (SPEC §12)
      options.logger.info("engine ready", {
        tree_size: engine.tree.size,
        log: log.kind,
        ...recovery,
      });
      return engine;
    } catch (e) {
      await log?.close().catch(() => undefined);
      await checkpointer?.stop().catch(() => undefined);
      state.close();
      throw e;
    }
  }

  /** Log records after the state's `last_lsn`, in order: through the apply path, then announced. */
  #applyLog(records: LogRecord[]): void {
    const redacted = this.state.redacted.size;
    this.#applier.applyLog(records);
    this.#notifyApplied(this.treeHead());
    // SPEC §12, cluster mode: a redaction another node took is scrubbed here too (the WAL;
    // the stream's copy, if no node erased it yet). This node's own is awaited by its ingest.
    if (this.log.replicated && this.state.redacted.size > redacted) {
      this.redactions.scrub().catch((e: unknown) => {
        this.#logger.warn(
          "the redaction scrub failed; it runs again at the next redaction or start",
          {
            error: String(e),
          },
        );
      });
    }
  }

  /** The Merkle tree of the applied state (reopened from the state after a failed apply). */
  get tree(): MerkleTree {
    return this.#applier.tree;
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

  /** Writes are refused by the storage breaker, or by the log (a follower that cannot apply). */
  #refusal = () => this.storageBreaker.refusal() ?? this.log.refusal();

  /**
   * Durable records could not be applied (the transaction rolled back; the
   * applier reopened the tree). Open the breaker; its probe applies the tail
   * (`#catchUp`).
   */
  #applyFailed(error: unknown): StemeError {
    this.#logger.error(
      "apply failed after a durable log append; writes are refused until the unapplied log tail applies",
      {
        error: String(error),
        code: (error as { code?: unknown })?.code,
        log_lsn: this.log.lastLsn,
      },
    );
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

  /**
   * The storage breaker's probe, after the log took a durable write: applies
   * the log records after the state's `last_lsn` (left by a failed apply)
   * through the apply path, once nothing is in flight. Throws — the breaker
   * stays open — while they cannot be applied.
   */
  async #catchUp(): Promise<void> {
    await this.#loop.idle();
    if (this.#closed) throw new StemeError("not_ready", "engine is closed");
    const applied = this.state.meta.get("last_lsn");
    if (applied >= this.log.lastLsn) return;
    const replayed = await this.log.follow(applied, (records) => this.#applyLog(records));
    this.#logger.info("applied the log's unapplied tail", {
      from_lsn: applied + 1,
      records: replayed,
    });
  }

  #notifyApplied(sth: SignedTreeHead): void {
    this.#sizeWaiters.reached(this.tree.size);
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
      !this.#closed &&
      this.storageBreaker.state === "closed" &&
      this.log.notReadyReason() === undefined
    );
  }

  getRedacted(id: Uint8Array): RedactedEntry | undefined {
    return this.state.redacted.byId(id);
  }

  getAssertion(id: Uint8Array): StoredAssertion | undefined {
    return this.state.assertions.byId(id);
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
    const settle = this.log.replicated
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
    return this.log.retain({
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
    await this.log.close(); // a replicated log's follower stops applying here
    if (this.log.replicated || this.state.meta.get("last_lsn") === this.log.lastLsn) {
      // Informational only; a full disk must not stop the close (the log is the truth).
      try {
        this.#writeMetadata();
      } catch (e) {
        this.#logger.warn("could not write metadata.json on close", { error: String(e) });
      }
    }
    await this.#checkpointer.stop(); // its connection closes first: ours checkpoints the rest
    this.state.close();
    this.#lock.release();
  }
}

/** The default log: the node's own segment files in `<dataDir>/wal` (SPEC §5). */
function segmentLogOpener(options: EngineOptions): LogOpener {
  return ({ dataDir }) =>
    SegmentLog.open(join(dataDir, "wal"), {
      ...options.log,
      ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
      logger: options.logger,
      now: () => (options.clock ?? systemClock).now(),
    });
}

/** Nothing of a data dir is there yet (no state, no log, no history): Engine.open creates one. */
function isNewDataDir(dataDir: string): boolean {
  return ["db/state.sqlite", "wal", HISTORY_FILE].every((p) => !existsSync(join(dataDir, p)));
}

/**
 * SPEC §12: a restore applies every redaction the URL knew, also those past
 * its point (the ledger it left in the data dir, data-dir-ledger.ts).
 */
function applyLedger(state: State, ledger: readonly LedgerEntry[]): void {
  if (ledger.length === 0) return;
  state.transaction(() => {
    for (const e of ledger) {
      applyRedaction(state, {
        target: fromHex(e.target, 32),
        reason: e.reason,
        redactionSeq: null,
      });
    }
  });
}

/** SPEC §12: a stub is valid only with a redaction of its id after it in the log, or in the ledger. */
function refuseOrphanStubs(state: State, ledger: readonly LedgerEntry[]): void {
  const known = new Set(ledger.map((e) => e.target));
  const orphan = state.redacted.orphanStubs().find((s) => !known.has(toHex(s.id)));
  if (orphan === undefined) return;
  throw new StemeError(
    "corrupt_segment",
    `the log holds a redaction stub for seq ${orphan.seq} but no redaction of that id: an assertion was removed without a redaction (in the log or the restore's ledger); restore from a backup to a later point`,
    { seq: orphan.seq },
  );
}
