/**
 * The apply side of cluster mode (SPEC §10): follows the replicated log from
 * the state's last applied LSN and hands each batch of records, in order, to
 * the engine's apply path (THE apply function). Writers wait here for "applied
 * up to LSN n" before they answer, which makes a receipt's seq and STH real on
 * the node that gives it; reads with `min_tree_size` wait on the tree instead.
 *
 * Lag is measured against the stream's last sequence, polled every second.
 * A follower that dies (the stream lost records it needs, a corrupt record) is
 * reported once and leaves the node not ready: it never serves past a hole.
 */
import { StemeError } from "../errors.ts";
import type { LogRecord } from "../log/record-frame.ts";
import type { Logger } from "../logger.ts";
import type { JetStreamLog } from "./jetstream-log.ts";

export interface FollowerStats {
  appliedLsn: number;
  streamLsn: number;
  lagRecords: number;
  /** When the stream was last seen (ms since the epoch), 0 before the first poll. */
  polledAt: number;
}

interface Waiter {
  lsn: number;
  resolve(): void;
  reject(e: unknown): void;
}

export class StreamFollower {
  readonly #log: JetStreamLog;
  readonly #apply: (records: LogRecord[]) => void;
  readonly #logger: Logger;
  #applied: number;
  #streamLsn = 0;
  #polledAt = 0;
  #waiters: Waiter[] = [];
  #failure: StemeError | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #poll: ReturnType<typeof setInterval> | undefined;

  constructor(
    log: JetStreamLog,
    appliedLsn: number,
    apply: (records: LogRecord[]) => void,
    logger: Logger,
  ) {
    this.#log = log;
    this.#applied = appliedLsn;
    this.#apply = apply;
    this.#logger = logger;
  }

  /** Starts following; resolves once the node has caught up with the stream as it was at start. */
  async start(): Promise<void> {
    const { lastLsn } = await this.#log.position();
    this.#streamLsn = lastLsn;
    this.#polledAt = Date.now();
    this.#running = this.#follow();
    this.#poll = setInterval(() => {
      // One try per tick (no retry): the next tick is the retry.
      this.#log.position(0).then(
        (p) => {
          this.#streamLsn = Math.max(this.#streamLsn, p.lastLsn);
          this.#polledAt = Date.now();
        },
        (e: unknown) => this.#logger.warn("cannot read stream position", { error: String(e) }),
      );
    }, 1_000);
    this.#poll.unref();
    await this.waitApplied(lastLsn);
  }

  /**
   * Follows until stopped. The JetStream consumer can end on its own (its
   * server died, the stream changed leader and the consumer could not be
   * recreated in time): that is not a failure — follow again from the next
   * unapplied LSN. Only a gap (`log_behind_stream`) or an apply error stops it.
   */
  async #follow(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#log.follow(this.#applied + 1, (records) => {
          this.#apply(records);
          this.#applied = (records.at(-1) as LogRecord).lsn;
          if (this.#applied > this.#streamLsn) this.#streamLsn = this.#applied;
          this.#wake();
        });
      } catch (e) {
        if (this.#stopped) return;
        if (!(e instanceof StemeError && e.code === "storage_unavailable") && !isTransient(e)) {
          this.#fail(e);
          return;
        }
        this.#logger.warn("following the stream was interrupted; resuming", {
          error: String(e).slice(0, 160),
        });
      }
      if (!this.#stopped) await Bun.sleep(200);
    }
  }

  get stats(): FollowerStats {
    return {
      appliedLsn: this.#applied,
      streamLsn: this.#streamLsn,
      lagRecords: Math.max(0, this.#streamLsn - this.#applied),
      polledAt: this.#polledAt,
    };
  }

  /** Why following stopped, if it did: the node must not serve as if current. */
  get failure(): StemeError | undefined {
    return this.#failure;
  }

  /** Resolves once records up to `lsn` are applied on this node. */
  waitApplied(lsn: number, timeoutMs?: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (lsn <= this.#applied) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.#waiters = this.#waiters.filter((w) => w !== waiter);
              reject(
                new StemeError(
                  "storage_unavailable",
                  `the stream holds this write (lsn ${lsn}) but this node has applied only up to ${this.#applied} after ${timeoutMs} ms; it is not lost: read it later (min_tree_size) or resubmit for its receipt`,
                  { retryAfterS: 1 },
                ),
              );
            }, timeoutMs);
      const waiter: Waiter = {
        lsn,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  #wake(): void {
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.lsn <= this.#applied) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }

  #fail(e: unknown): void {
    this.#failure =
      e instanceof StemeError
        ? e
        : new StemeError("storage_unavailable", `following the stream failed: ${String(e)}`, {}, e);
    this.#logger.error("stopped following the stream", { error: this.#failure.message });
    for (const w of this.#waiters.splice(0)) w.reject(this.#failure);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poll) clearInterval(this.#poll);
    await this.#log.close();
    await this.#running;
    const closed = new StemeError("not_ready", "the node is stopping");
    for (const w of this.#waiters.splice(0)) w.reject(closed);
  }
}

/** NATS timeouts and connection errors: retry. Our own StemeErrors (a gap, a bad record) are not. */
function isTransient(e: unknown): boolean {
  return !(e instanceof StemeError);
}
