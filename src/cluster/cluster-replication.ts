/**
 * Cluster mode's two ends of the engine's commit loop (SPEC §10), over NATS
 * JetStream: `append` publishes a group's records (Nats-Msg-Id = assertion id)
 * and resolves once JetStream acknowledged them (quorum-durable) AND this
 * node's follower applied the stream up to the last of them — so a receipt's
 * seq and STH are real on the node that gives it. Applying is the follower's
 * job: every record, this node's or another's, reaches THE apply function in
 * stream order (stream-follower.ts).
 *
 * It is the engine's log in cluster mode (`EngineLog`, `replicated`): the
 * engine drives it exactly as it drives a segment log; `clusterLog` is the
 * opener the server passes to the engine.
 */

import {
  assertionRecordId,
  decodeAssertionRecord,
  encodeStubRecord,
  RecordType,
  STUB_MIN_BYTES,
} from "../engine/log-records.ts";
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import type {
  AppliedPosition,
  ApplyLogRecords,
  EngineLog,
  LogFigures,
  LogOpener,
  RedactedRecord,
  StreamFigures,
} from "../log/engine-log.ts";
import type { LogRecordInput } from "../log/record-frame.ts";
import type { Logger } from "../logger.ts";
import { prepareClusterDataDir } from "./cluster-data-dir.ts";
import { JetStreamLog } from "./jetstream-log.ts";
import { StreamFollower } from "./stream-follower.ts";

/** How long a write waits for this node to apply its own records before a 503 (they are durable in the stream). */
const APPLY_WAIT_MS = 30_000;

export interface ClusterOptions {
  servers: string[];
  stream: string;
  replicas: number;
  maxAgeMs: number;
  maxMessages: number;
  duplicateWindowMs: number;
  /** Not ready while more than this many stream records behind. */
  maxLagRecords: number;
}

export type ClusterFigures = StreamFigures;

/**
 * The engine's log opener for cluster mode: a data dir that holds a
 * single-node log is refused (`prepareClusterDataDir`), then the stream opens.
 */
export function clusterLog(o: ClusterOptions, logger: Logger): LogOpener {
  return async ({ dataDir, appliedLsn }) => {
    prepareClusterDataDir(dataDir, appliedLsn, logger);
    return await ClusterReplication.open(o, logger);
  };
}

/** Not ready when the stream's position has not been read for this long (this node cannot know it is current). */
const STREAM_UNSEEN_MS = 15_000;

export class ClusterReplication implements EngineLog {
  readonly kind = "stream";
  readonly replicated = true;
  readonly #log: JetStreamLog;
  readonly #o: ClusterOptions;
  readonly #logger: Logger;
  #follower: StreamFollower | undefined;

  private constructor(log: JetStreamLog, o: ClusterOptions, logger: Logger) {
    this.#log = log;
    this.#o = o;
    this.#logger = logger;
  }

  /** Connects and opens (or creates) the stream; nothing is consumed before `start`. */
  static async open(o: ClusterOptions, logger: Logger): Promise<ClusterReplication> {
    const log = await JetStreamLog.open({ ...o, logger });
    return new ClusterReplication(log, o, logger);
  }

  /**
   * Follows the stream after `appliedLsn`, handing records to `apply`; resolves
   * once the node has caught up with the stream as it was at start (or a batch
   * failed to apply: the follower retries it), with how many it applied.
   */
  async follow(appliedLsn: number, apply: ApplyLogRecords): Promise<number> {
    this.#follower = new StreamFollower(this.#log, appliedLsn, apply, this.#logger);
    await this.#follower.start();
    return this.#follower.stats.appliedLsn - appliedLsn;
  }

  /** The stream's last LSN as last seen (this node may not have applied it yet). */
  get lastLsn(): number {
    return this.#follower?.stats.streamLsn ?? 0;
  }

  /** JetStream applies its own retention (max age, max messages). */
  retain(): string[] {
    return [];
  }

  /** Publishes and waits until applied here; the first record's LSN. */
  async append(records: readonly LogRecordInput[]): Promise<{ firstLsn: number }> {
    const acks = await this.#log.publish(
      records.map((r) =>
        r.type === RecordType.assertion ? { ...r, msgId: toHex(assertionRecordId(r.payload)) } : r,
      ),
    );
    const last = Math.max(...acks.map((a) => a.lsn));
    await this.#follower?.waitApplied(last, APPLY_WAIT_MS);
    return { firstLsn: acks[0]?.lsn ?? 0 };
  }

  /**
   * SPEC §12: erases the redacted assertion's message from the stream, after
   * storing its stub for readers to come (stream-stubs.ts). Every node runs
   * this after applying a redaction; the first erases, the others find the
   * message gone (false). The message's LSN is not kept in the state: it is
   * searched for, from the target's seq on (each leaf took one record, so the
   * LSN is never below the seq), over at most `applied.lsn -
   * applied.treeSize` more records (the records that made no leaf: status
   * and registry changes, duplicates); the first assertion record with the
   * target's id is the one that made the leaf.
   */
  async eraseRedacted(target: RedactedRecord, applied: AppliedPosition): Promise<boolean> {
    const t0 = performance.now();
    const last = Math.min(applied.lsn, target.seq + (applied.lsn - applied.treeSize));
    const found = await this.#log.findAssertion(target.id, target.seq, last);
    const t1 = performance.now();
    if (found === undefined) return false;
    const { receivedAt } = decodeAssertionRecord(found.payload);
    const stub = encodeStubRecord({ seq: target.seq, receivedAt, id: target.id }, STUB_MIN_BYTES);
    const body = new Uint8Array(1 + stub.length);
    body[0] = RecordType.stub;
    body.set(stub, 1);
    await this.#log.stubs.put(found.lsn, body); // before the erase: no reader meets a hole without its stub
    const t2 = performance.now();
    const erased = await this.#log.erase(found.lsn);
    this.#logger.info("erased a redacted assertion from the stream", {
      lsn: found.lsn,
      seq: target.seq,
      erased,
      searched: found.lsn - target.seq + 1,
      find_ms: Math.round(t1 - t0),
      stub_ms: Math.round(t2 - t1),
      erase_ms: Math.round(performance.now() - t2),
    });
    return erased;
  }

  /** One node at a time per task (stream-leases.ts). */
  takeTurn(task: string, holdMs: number): Promise<boolean> {
    return this.#log.leases.take(task, holdMs);
  }

  /** The stream answers (the storage breaker's probe in cluster mode). */
  async probe(): Promise<void> {
    await this.#log.position(0); // one try: the breaker probes again
  }

  get ready(): boolean {
    return this.notReadyReason() === undefined;
  }

  /** Why this node is not ready (SPEC §10), or undefined when it is. */
  notReadyReason(): string | undefined {
    const f = this.#follower;
    if (f === undefined) return "not following the stream yet";
    const refusal = this.refusal();
    if (refusal) return refusal.message;
    const s = f.stats;
    if (s.lagRecords > this.#o.maxLagRecords) {
      return `${s.lagRecords} stream records behind (ready within ${this.#o.maxLagRecords})`;
    }
    const unseenMs = Date.now() - s.polledAt;
    if (unseenMs > STREAM_UNSEEN_MS) {
      return `the stream's position has not been read for ${Math.round(unseenMs / 1000)} s (NATS unreachable?)`;
    }
    return undefined;
  }

  /**
   * Why this node refuses writes, if it does: it stopped following (a write
   * would reach the stream but never be applied here), or its applies fail.
   * Other nodes take the write.
   */
  refusal(): StemeError | undefined {
    const f = this.#follower;
    if (f?.failure) return f.failure;
    const error = f?.stats.applyError;
    if (error === undefined) return undefined;
    return new StemeError(
      "not_ready",
      `this node cannot apply the stream (${error}); it retries: write to another node`,
      { retryAfterS: 5 },
    );
  }

  figures(): LogFigures {
    return { kind: "stream", ...this.streamFigures() };
  }

  streamFigures(): StreamFigures {
    const stats = this.#follower?.stats ?? {
      appliedLsn: 0,
      streamLsn: 0,
      streamFirstLsn: 0,
      lagRecords: 0,
      polledAt: 0,
      applyFailures: 0,
      applyError: undefined,
    };
    const failure = this.#follower?.failure;
    return {
      stream: this.#o.stream,
      ...stats,
      failure: failure?.message,
      behindStream: failure?.code === "log_behind_stream",
    };
  }

  async close(): Promise<void> {
    if (this.#follower) await this.#follower.stop();
    else await this.#log.close();
  }
}
