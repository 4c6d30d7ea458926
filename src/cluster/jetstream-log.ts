/**
 * The replicated log of cluster mode (SPEC §10): a NATS JetStream stream (Raft,
 * R3 by default) takes the segment log's role. One stream message = one log
 * record; the stream sequence IS the record's LSN, so every node consumes the
 * same records with the same LSNs in the same order and feeds them to THE apply
 * function (src/engine/apply.ts) exactly as recovery feeds the local log.
 *
 * Message body: u8 record type ‖ payload (the engine's record codec,
 * src/engine/log-records.ts). `Nats-Msg-Id` = the assertion id for assertion
 * records, so JetStream drops a re-publish within its duplicate window; one
 * beyond the window reaches the stream and is a no-op at apply.
 *
 * Redaction (SPEC §12): a redacted assertion's message is erased (JetStream's
 * secure delete) after its stub was stored (stream-stubs.ts); reading the
 * stream, a hole is bridged only by a stub, and only where the stream says it
 * deleted the message (or before its first sequence): anything else is a gap
 * this node must not skip.
 *
 * No consensus here: JetStream orders and replicates; this module only maps
 * records to messages, waits for the quorum ack, and reads back in order.
 */
import {
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { assertionRecordId, RecordType } from "../engine/log-records.ts";
import { StemeError } from "../errors.ts";
import type { LogRecord, LogRecordInput } from "../log/record-frame.ts";
import type { Logger } from "../logger.ts";
import { hashEquals } from "../merkle/hash.ts";
import { StreamLeases } from "./stream-leases.ts";
import { StreamStubs } from "./stream-stubs.ts";

export interface JetStreamLogOptions {
  /** NATS server URLs (`nats://h1:4222`, …). */
  servers: string[];
  stream: string;
  replicas: number;
  /** Stream retention: messages older than this are dropped by JetStream (0 = keep forever). */
  maxAgeMs: number;
  /** Stream retention by count: at most this many messages, the oldest dropped (0 = no limit). */
  maxMessages: number;
  /** JetStream's duplicate window for `Nats-Msg-Id`. */
  duplicateWindowMs: number;
  logger: Logger;
  /** How long to keep retrying while the cluster elects its leaders at start. */
  startTimeoutMs?: number;
}

export interface PublishInput extends LogRecordInput {
  /** Dedup key within the duplicate window: the assertion id in hex; else one is made. */
  msgId?: string;
}

export interface PublishAck {
  /** Stream sequence = LSN; for a duplicate, the LSN of the earlier message. */
  lsn: number;
  duplicate: boolean;
}

export interface StreamPosition {
  /** First LSN still held by the stream (retention may have dropped older ones). */
  firstLsn: number;
  /** Last LSN in the stream (0 when empty). */
  lastLsn: number;
}

const subjectOf = (stream: string) => `stemedb.${stream}.records`;
/** LSNs a redaction's search reads one by one before it opens a consumer for the rest. */
const DIRECT_PROBES = 8;
const nanos = (ms: number) => ms * 1_000_000;

export class JetStreamLog {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #o: JetStreamLogOptions;
  readonly #subject: string;
  /** The stubs of erased records (SPEC §12). */
  readonly stubs: StreamStubs;
  /** Turns for work one node at a time does (the archive URL's scrub). */
  readonly leases: StreamLeases;
  #closed = false;
  /** Msg ids for records without a natural one: unique per process, so retries dedup. */
  readonly #nonce = crypto.randomUUID();
  #counter = 0;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, o: JetStreamLogOptions) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc);
    this.#o = o;
    this.#subject = subjectOf(o.stream);
    this.stubs = new StreamStubs(this.#js, jsm, o.stream);
    this.leases = new StreamLeases(this.#js, jsm, o.stream, o.replicas);
  }

  /** Connects (reconnecting forever afterwards) and creates or checks the stream. */
  static async open(o: JetStreamLogOptions): Promise<JetStreamLog> {
    const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({
        servers: o.servers,
        name: "stemedb",
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        waitOnFirstConnect: true,
      });
      const jsm = await retryUntil(deadline, o.logger, "JetStream", () =>
        jetstreamManager(nc as NatsConnection, { timeout: 2_000 }),
      );
      const log = new JetStreamLog(nc, jsm, o);
      await retryUntil(deadline, o.logger, `stream ${o.stream}`, () => log.#ensureStream());
      await retryUntil(deadline, o.logger, `stubs of ${o.stream}`, () =>
        log.stubs.ensure(o.replicas),
      );
      return log;
    } catch (e) {
      await nc?.close();
      throw e instanceof StemeError
        ? e
        : new StemeError(
            "storage_unavailable",
            `cannot open JetStream stream ${o.stream}: ${String(e)}`,
            {},
            e,
          );
    }
  }

  async #ensureStream(): Promise<void> {
    const want = {
      name: this.#o.stream,
      subjects: [this.#subject],
      num_replicas: this.#o.replicas,
      max_age: nanos(this.#o.maxAgeMs),
      max_msgs: this.#o.maxMessages > 0 ? this.#o.maxMessages : -1,
      duplicate_window: nanos(this.#o.duplicateWindowMs),
    };
    try {
      const info = await this.#jsm.streams.info(this.#o.stream);
      if (info.config.num_replicas !== want.num_replicas) {
        this.#o.logger.warn("stream exists with another replica count; keeping it", {
          stream: this.#o.stream,
          replicas: info.config.num_replicas,
          wanted: want.num_replicas,
        });
      }
      if (
        info.config.max_age !== want.max_age ||
        info.config.max_msgs !== want.max_msgs ||
        info.config.duplicate_window !== want.duplicate_window
      ) {
        await this.#jsm.streams.update(this.#o.stream, {
          max_age: want.max_age,
          max_msgs: want.max_msgs,
          duplicate_window: want.duplicate_window,
        });
      }
    } catch (e) {
      if (!String(e).includes("stream not found")) throw e;
      await this.#jsm.streams.add(want);
      this.#o.logger.info("created JetStream stream", {
        stream: want.name,
        replicas: want.num_replicas,
      });
    }
  }

  /**
   * Publishes records in order and resolves once JetStream acknowledged each
   * (quorum-durable). Publishes are pipelined on one connection. When one fails
   * (a NATS server died, the stream is electing a leader), it and every record
   * after it are published again, in order, until `retryMs` runs out: each
   * record carries a `Nats-Msg-Id`, so one that was stored before its ack got
   * lost is acknowledged as a duplicate of itself, never stored twice. A
   * record that was not stored lands after the ones that were, so order within
   * one call is kept except across such a retry; apply tolerates that
   * (a retraction that arrives before its target is a no-op, SPEC §10).
   */
  async publish(records: readonly PublishInput[], retryMs = 15_000): Promise<PublishAck[]> {
    const deadline = Date.now() + retryMs;
    const acks: PublishAck[] = [];
    for (let attempt = 1; acks.length < records.length; attempt++) {
      const rest = records.slice(acks.length).map((r) => {
        const body = new Uint8Array(1 + r.payload.length);
        body[0] = r.type;
        body.set(r.payload, 1);
        return this.#js.publish(this.#subject, body, {
          msgID: r.msgId ?? `${this.#nonce}-${this.#counter++}`,
          timeout: 2_000,
        });
      });
      const settled = await Promise.allSettled(rest);
      for (const s of settled) {
        if (s.status === "rejected") break;
        acks.push({ lsn: s.value.seq, duplicate: s.value.duplicate });
      }
      if (acks.length === records.length) break;
      const failure = settled.find((s) => s.status === "rejected") as PromiseRejectedResult;
      if (Date.now() > deadline || this.#closed) {
        throw new StemeError(
          "storage_unavailable",
          `JetStream publish failed: ${String(failure.reason)}`,
          { retryAfterS: 1 },
          failure.reason,
        );
      }
      this.#o.logger.warn("JetStream publish failed; publishing the rest again", {
        attempt,
        error: String(failure.reason).slice(0, 120),
      });
      await Bun.sleep(Math.min(500, 50 * attempt));
    }
    return acks;
  }

  /**
   * Where the stream starts and ends. Retried for up to `retryMs` (the stream
   * may be electing a leader after a NATS server died: its info then times out).
   */
  async position(retryMs = 15_000): Promise<StreamPosition> {
    const info = await retryUntil(Date.now() + retryMs, this.#o.logger, "stream info", () =>
      this.#jsm.streams.info(this.#o.stream),
    );
    return { firstLsn: info.state.first_seq, lastLsn: info.state.last_seq };
  }

  /**
   * Delivers records from `fromLsn` on, in LSN order, in batches to `onBatch`
   * (awaited before the next batch), until close. Throws `log_behind_stream` when
   * the stream no longer holds `fromLsn` (retention dropped it): the node must be
   * restored from a backup (SPEC §7) before it can follow the stream again.
   */
  async follow(
    fromLsn: number,
    onBatch: (records: LogRecord[]) => Promise<void> | void,
    /** Ends the follow once consuming (it resolves after flushing what it has): a stalled consumer. */
    signal?: AbortSignal,
  ): Promise<void> {
    const pos = await this.position();
    if (
      pos.lastLsn >= fromLsn &&
      pos.firstLsn > fromLsn &&
      (await this.#bridge(fromLsn, pos.firstLsn - 1)) === undefined
    ) {
      throw this.#behind(fromLsn, pos.firstLsn);
    }
    const consumer = await retryUntil(Date.now() + 15_000, this.#o.logger, "consumer", () =>
      this.#js.consumers.get(this.#o.stream, {
        deliver_policy: "by_start_sequence",
        opt_start_seq: fromLsn,
      } as never),
    );
    // Short pull expiry: heartbeats every ~2.5 s, so a follower whose NATS server died
    // notices within seconds (the default 30 s stalls every write waiting to apply).
    const messages = await consumer.consume({ max_messages: 4096, expires: 5_000 });
    // An abort counts from here on: one while the consumer was being made is not a stall.
    const stop = () => messages.stop();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      await this.#deliver(messages, fromLsn, onBatch);
    } finally {
      signal?.removeEventListener("abort", stop);
    }
  }

  /** Hands the consumer's messages to `onBatch` in LSN order, checking each is the next. */
  async #deliver(
    messages: AsyncIterable<JsMsg>,
    fromLsn: number,
    onBatch: (records: LogRecord[]) => Promise<void> | void,
  ): Promise<void> {
    let batch: LogRecord[] = [];
    let next = fromLsn;
    const flush = async () => {
      const out = batch;
      batch = [];
      if (out.length > 0) await onBatch(out);
    };
    for await (const m of messages) {
      if (this.#closed) break;
      if (m.seq > next) {
        // JetStream moves a consumer on to the next message it still holds: either
        // redactions erased next..m.seq-1 (each left its stub), or retention dropped them.
        const stubs = await this.#bridge(next, m.seq - 1);
        if (stubs === undefined) {
          await flush();
          throw this.#behind(next, m.seq);
        }
        batch.push(...stubs);
      }
      if (m.seq < next) {
        throw new StemeError(
          "log_behind_stream",
          `stream ${this.#o.stream} delivered lsn ${m.seq} where ${next} was expected`,
          { lsn: next },
        );
      }
      next = m.seq + 1;
      batch.push({ lsn: m.seq, type: m.data[0] as number, payload: m.data.subarray(1) });
      // Flush when the consumer has nothing more buffered, or at a bound.
      if (m.info.pending === 0 || batch.length >= 2048) await flush();
    }
    await flush();
  }

  /**
   * The stub records standing for LSNs `from..to`, which the stream no longer
   * holds, or undefined unless each was erased by a redaction: a stub must
   * exist for each (stream-stubs.ts), and the stream must report each deleted
   * (an erased first message only moves the stream's first sequence on, so
   * one before it needs its stub alone).
   */
  async #bridge(from: number, to: number): Promise<LogRecord[] | undefined> {
    const info = await this.#jsm.streams.info(this.#o.stream, { deleted_details: true });
    const deleted = new Set(info.state.deleted ?? []);
    const records: LogRecord[] = [];
    for (let lsn = from; lsn <= to; lsn++) {
      if (lsn >= info.state.first_seq && !deleted.has(lsn)) return undefined;
      const body = await this.stubs.get(lsn);
      if (body === undefined || body[0] !== RecordType.stub) return undefined;
      records.push({ lsn, type: RecordType.stub, payload: body.subarray(1) });
    }
    this.#o.logger.info("bridged erased stream records with their stubs", { from, to });
    return records;
  }

  /**
   * The first assertion record with `id` (the one that made its leaf) in LSNs
   * `from..to`; undefined when the stream holds none there (erased before, or
   * dropped by retention). The first few LSNs are read one by one (usually
   * the record is there: few records make no leaf), the rest in order with
   * an ordered consumer.
   */
  async findAssertion(
    id: Uint8Array,
    from: number,
    to: number,
  ): Promise<{ lsn: number; payload: Uint8Array } | undefined> {
    const pos = await this.position();
    const start = Math.max(from, pos.firstLsn);
    const end = Math.min(to, pos.lastLsn);
    const holds = (body: Uint8Array) =>
      body[0] === RecordType.assertion && hashEquals(assertionRecordId(body.subarray(1)), id);
    const probed = Math.min(end, start + DIRECT_PROBES - 1);
    for (let lsn = start; lsn <= probed; lsn++) {
      const m = await this.#jsm.streams.getMessage(this.#o.stream, { seq: lsn });
      if (m !== null && holds(m.data)) return { lsn, payload: m.data.slice(1) };
    }
    if (probed >= end) return undefined;
    const consumer = await this.#js.consumers.get(this.#o.stream, {
      deliver_policy: "by_start_sequence",
      opt_start_seq: probed + 1,
    } as never);
    const messages = await consumer.consume({ max_messages: 4096, expires: 5_000 });
    try {
      for await (const m of messages) {
        if (m.seq > end) return undefined;
        if (holds(m.data)) return { lsn: m.seq, payload: m.data.slice(1) };
        if (m.seq === end || m.info.pending === 0) return undefined;
      }
      return undefined;
    } finally {
      messages.stop();
    }
  }

  /**
   * Erases the message at `lsn` (JetStream secure delete: its bytes in the
   * stream's message blocks are overwritten). False when the stream no longer
   * holds it (another node erased it first).
   */
  async erase(lsn: number): Promise<boolean> {
    try {
      return await this.#jsm.streams.deleteMessage(this.#o.stream, lsn, true);
    } catch (e) {
      // "sequence N not found" (an inner one), "no message found" (before the first)
      if (/not found|no message found/.test(String(e))) return false;
      throw new StemeError(
        "storage_unavailable",
        `cannot erase lsn ${lsn} from stream ${this.#o.stream}: ${String(e)}`,
        { lsn },
        e,
      );
    }
  }

  /**
   * The stream no longer holds `next`, the record this node needs: it must not
   * skip it (its tree would differ from every other node's), so it stops.
   */
  #behind(next: number, streamFirstLsn: number): StemeError {
    const stream = this.#o.stream;
    return new StemeError(
      "log_behind_stream",
      `this node has applied stream ${stream} up to lsn ${next - 1}, but the stream now starts at ${streamFirstLsn}: ` +
        `retention (--nats-max-age-hours / --nats-max-messages) dropped lsn ${next}..${streamFirstLsn - 1} before this node read them. ` +
        `It stops following and is not ready (it never skips records): restore this node from a backup (stemedb backup of a current node, ` +
        `then stemedb restore into a new data dir), then restart it on that data dir`,
      { lsn: next, appliedLsn: next - 1, streamFirstLsn },
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#nc.drain().catch(() => this.#nc.close());
  }
}

async function retryUntil<T>(
  deadline: number,
  logger: Logger,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      logger.info("waiting for NATS JetStream", { what, attempt, error: String(e).slice(0, 120) });
      await Bun.sleep(Math.min(1_000, 100 * attempt));
    }
  }
}
