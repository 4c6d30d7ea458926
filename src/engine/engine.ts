/**
 * The storage engine: ingest (group commit into the segment log, then the one
 * apply path into SQLite and the Merkle tree), recovery on open, and the
 * narrow read interface everything above uses (SPEC §5).
 *
 * Write path per commit group: plan (dedupe, retraction checks, policy, seq
 * assignment) → one log append = one write + one fdatasync → apply in one
 * SQLite transaction → sign a tree head → answer. Submissions that arrive while
 * a group is being fsynced wait and form the next group, so concurrent writers
 * share fsyncs. No caller hears "durable" before its fsync; when the append
 * fails, nothing of that group is applied and every submitter gets the error.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Clock, systemClock } from "../clock.ts";
import { probeDirectory, StorageBreaker } from "../defense/storage-breaker.ts";
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import { acceptAll, type IngestPolicy } from "../ingest-policy.ts";
import { nodeFileOps } from "../log/file-ops.ts";
import { SegmentLog } from "../log/segment-log.ts";
import type { Logger } from "../logger.ts";
import type { MerkleTree } from "../merkle/merkle-tree.ts";
import { loadOrCreateNodeKey } from "../merkle/node-key.ts";
import { type SignedTreeHead, signTreeHead } from "../merkle/tree-head.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import type { NativeSigner } from "../protocol/native-ed25519.ts";
import type { AgentEntry, AgentUpdate } from "../store/agent-table.ts";
import type { StoredAssertion } from "../store/assertion-table.ts";
import { Checkpointer } from "../store/checkpointer.ts";
import { State } from "../store/state.ts";
import { applyRecords, type LoggedRecord } from "./apply.ts";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.ts";
import type { EngineOptions } from "./engine-options.ts";
import { type CommitRequest, type CommitWork, type ItemOutcome, planWork } from "./plan.ts";
import { recover } from "./recover.ts";

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
  readonly log: SegmentLog;
  readonly tree: MerkleTree;
  readonly signer: NativeSigner;
  readonly recovery: RecoveryReport;
  /** Opens on a failed log append; while open, writes are refused and the engine is not ready. */
  readonly storageBreaker: StorageBreaker;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #policy: IngestPolicy;
  readonly #dataDir: string;
  readonly #retentionMs: number;
  #queue: CommitWork[] = [];
  #committing: Promise<void> | undefined;
  #sth: SignedTreeHead | undefined;
  #failed: StemeError | undefined;
  #closed = false;
  readonly #lock: DataDirLock;
  readonly #checkpointer: Checkpointer;

  private constructor(
    parts: {
      state: State;
      log: SegmentLog;
      tree: MerkleTree;
      signer: NativeSigner;
      recovery: RecoveryReport;
      lock: DataDirLock;
      checkpointer: Checkpointer;
    },
    options: EngineOptions,
  ) {
    this.state = parts.state;
    this.log = parts.log;
    this.tree = parts.tree;
    this.signer = parts.signer;
    this.recovery = parts.recovery;
    this.#lock = parts.lock;
    this.#checkpointer = parts.checkpointer;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#policy = options.policy ?? acceptAll;
    this.#dataDir = options.dataDir;
    this.#retentionMs = (options.logRetentionHours ?? 168) * 3_600_000;
    const { probeSeconds = 5, ...hooks } = options.storageBreaker ?? {};
    this.storageBreaker = new StorageBreaker({
      probe: probeDirectory(parts.log.dir, options.log?.fileOps ?? nodeFileOps),
      probeSeconds,
      clock: this.#clock,
      logger: this.#logger,
      ...hooks,
    });
  }

  /** Opens (or creates) a data dir: node key, log scan, state, replay of the unapplied tail. */
  static async open(options: EngineOptions): Promise<Engine> {
    const started = performance.now();
    mkdirSync(join(options.dataDir, "db"), { recursive: true });
    const lock = lockDataDir(options.dataDir);
    try {
      return await Engine.#open(options, lock, started);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  static async #open(options: EngineOptions, lock: DataDirLock, started: number): Promise<Engine> {
    const key = loadOrCreateNodeKey(options.dataDir);
    if (key.created) options.logger.info("created node key", { path: key.path });
    const log = await SegmentLog.open(join(options.dataDir, "wal"), {
      ...options.log,
      ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
      logger: options.logger,
      now: () => (options.clock ?? systemClock).now(),
    });
    const dbPath = join(options.dataDir, "db", "state.sqlite");
    const state = State.open(dbPath, { logger: options.logger }); // logs migration progress
    try {
      const { tree, replayed } = recover(state, log);
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
        { state, log, tree, signer: key.signer, recovery, lock, checkpointer },
        options,
      );
      engine.#writeMetadata();
      options.logger.info("engine ready", { tree_size: tree.size, ...recovery });
      return engine;
    } catch (e) {
      state.close();
      await log.close();
      throw e;
    }
  }

  /** Queues work for the next commit group and resolves once it is durable and applied. */
  commit<T>(work: CommitRequest<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StemeError("not_ready", "engine is closed"));
    if (this.#failed) return Promise.reject(this.#failed);
    const refusal = this.storageBreaker.refusal();
    if (refusal) return Promise.reject(refusal);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ ...work, resolve, reject } as CommitWork);
      this.#committing ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue;
      this.#queue = [];
      await this.#commitGroup(group);
    }
    this.#committing = undefined;
  }

  async #commitGroup(group: CommitWork[]): Promise<void> {
    // Work queued behind the append that opened the storage breaker is refused, not tried.
    const refusal = this.storageBreaker.refusal();
    if (refusal) {
      for (const w of group) w.reject(refusal);
      return;
    }
    const plan = planWork(group, {
      state: this.state,
      treeSize: this.tree.size,
      policy: this.#policy,
      now: this.#clock.now(),
    });
    const logged: LoggedRecord[] = [];
    if (plan.records.length > 0) {
      let firstLsn: number;
      try {
        ({ firstLsn } = await this.log.append(plan.records.map((r) => r.encoded)));
      } catch (e) {
        const err =
          e instanceof StemeError
            ? e
            : new StemeError("storage_unavailable", "log append failed", {}, e);
        if (err.code === "storage_unavailable") this.storageBreaker.recordFailure(err);
        for (const w of group) w.reject(err);
        return;
      }
      for (const [i, r] of plan.records.entries()) {
        logged.push({ lsn: firstLsn + i, record: r.record, parsed: r.parsed });
      }
      try {
        applyRecords(this, logged);
      } catch (e) {
        // The records are durable but not applied: stop taking writes; a restart replays them.
        this.#failed = new StemeError(
          "not_ready",
          "apply failed after a durable append; restart to recover",
          {},
          e,
        );
        this.#logger.error("apply failed", { error: String(e) });
        for (const w of group) w.reject(this.#failed);
        return;
      }
    }
    const sth = this.treeHead();
    for (const w of group) w.resolve(w.finish(plan, sth));
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
    return !this.#closed && this.#failed === undefined && this.storageBreaker.state === "closed";
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
    return this.commit<IngestResult>({
      kind: "assertions",
      items,
      finish(_plan, sth) {
        return { outcomes: this.outcomes ?? [], sth };
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
    return this.log.removeSegments({
      olderThanMs: this.#retentionMs,
      nowMs: this.#clock.now(),
      appliedLsn: this.state.meta.get("last_lsn"),
      ...(archivedLsn === undefined ? {} : { archivedLsn }),
    });
  }

  #writeMetadata(): void {
    const sth = this.treeHead();
    const meta = {
      format: 1,
      count: this.tree.size,
      tree_size: sth.tree_size,
      root: sth.root,
      server_key: toHex(this.signer.publicKey),
      written_at: this.#clock.now(),
    };
    writeFileSync(join(this.#dataDir, "metadata.json"), `${JSON.stringify(meta, null, 2)}\n`);
  }

  /** Drains queued and in-flight commits, then closes the log and the state. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.storageBreaker.stop();
    while (this.#committing) await this.#committing;
    if (this.#failed === undefined) {
      // Informational only; a full disk must not stop the close (the log is the truth).
      try {
        this.#writeMetadata();
      } catch (e) {
        this.#logger.warn("could not write metadata.json on close", { error: String(e) });
      }
    }
    await this.log.close();
    await this.#checkpointer.stop(); // its connection closes first: ours checkpoints the rest
    this.state.close();
    this.#lock.release();
  }
}
