/**
 * The apply side of cluster mode (SPEC §10): follows the replicated log from
 * the state's last applied LSN and hands each batch of records, in order, to
 * the engine's apply path (THE apply function). Writers wait here for "applied
 * up to LSN n" before they answer, which makes a receipt's seq and STH real on
 * the node that gives it; reads with `min_tree_size` wait on the tree instead.
 *
 * Lag is measured against the stream's last sequence, polled every second.
 * A follower that finds a hole (retention dropped records it has not applied)
 * stops for good, is reported once, and leaves the node not ready: it never
 * skips a record (its tree would differ from every other node's). A batch that
 * fails to apply (a full disk, a record this build cannot read) is retried
 * from the same LSN forever, with a growing pause; while it fails the node is
 * not ready and the failure count and last error are in its figures
 * (`/v1/health`, `/metrics`).
 */
import { StemeError } from "../errors.ts";
import type { StreamFigures } from "../log/engine-log.ts";
import type { LogRecord } from "../log/record-frame.ts";
import type { Logger } from "../logger.ts";
import type { JetStreamLog } from "./jetstream-log.ts";

/** What the follower knows: the stream figures but its name and why it stopped. */
export type FollowerStats = Omit<StreamFigures, "stream" | "failure" | "behindStream">;

/** The longest pause between two tries of a batch that fails to apply. */
const MAX_APPLY_RETRY_MS = 5_000;
/**
 * The stream holds records this node has not applied, and the consumer has
 * delivered nothing for this long: it is stalled (seen after a NATS server's
 * SIGKILL: the consumer neither yields nor ends), so follow again.
 */
const STALL_MS = 6_000;

/** An error thrown by the apply function (not by NATS): counted and retried. */
class ApplyFailed extends Error {}

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
  #streamFirstLsn = 0;
  #polledAt = 0;
  #applyFailures = 0;
  #applyError: string | undefined;
  #onApplyFailure: (() => void) | undefined;
  /** Ends the current follow (a stalled consumer); a new one is made per follow. */
  #abort = new AbortController();
  /** Since when the stream has held records this node has not applied, without progress. */
  #behindSince: number | undefined;
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

  /**
   * Starts following; resolves once the node has caught up with the stream as
   * it was at start, or once a batch failed to apply (the node then starts not
   * ready, its health naming the error, and goes on retrying). Rejects when the
   * stream no longer holds what this node needs.
   */
  async start(): Promise<void> {
    const { firstLsn, lastLsn } = await this.#log.position();
    this.#streamLsn = lastLsn;
    this.#streamFirstLsn = firstLsn;
    this.#polledAt = Date.now();
    this.#running = this.#follow();
    this.#poll = setInterval(() => {
      // One try per tick (no retry): the next tick is the retry.
      this.#log.position(0).then(
        (p) => {
          this.#streamLsn = Math.max(this.#streamLsn, p.lastLsn);
          this.#streamFirstLsn = p.firstLsn;
          this.#polledAt = Date.now();
          this.#checkStalled();
        },
        (e: unknown) => this.#logger.warn("cannot read stream position", { error: String(e) }),
      );
    }, 1_000);
    this.#poll.unref();
    const failedToApply = new Promise<void>((resolve) => {
      this.#onApplyFailure = resolve;
    });
    await Promise.race([this.waitApplied(lastLsn), failedToApply]);
    this.#onApplyFailure = undefined;
  }

  /**
   * Follows until stopped. The JetStream consumer can end on its own (its
   * server died, the stream changed leader and the consumer could not be
   * recreated in time): that is not a failure — follow again from the next
   * unapplied LSN. Only a gap (`log_behind_stream`) or an apply error stops it.
   */
  async #follow(): Promise<void> {
    while (!this.#stopped) {
      let pauseMs = 200;
      this.#abort = new AbortController();
      this.#behindSince = undefined;
      try {
        await this.#log.follow(
          this.#applied + 1,
          (records) => this.#applyBatch(records),
          this.#abort.signal,
        );
      } catch (e) {
        if (this.#stopped) return;
        if (e instanceof ApplyFailed) {
          pauseMs = Math.min(MAX_APPLY_RETRY_MS, 200 * 2 ** Math.min(5, this.#applyFailures - 1));
        } else if (
          !(e instanceof StemeError && e.code === "storage_unavailable") &&
          !isTransient(e)
        ) {
          this.#fail(e);
          return;
        } else {
          this.#logger.warn("following the stream was interrupted; resuming", {
            error: String(e).slice(0, 160),
          });
        }
      }
      if (!this.#stopped) await Bun.sleep(pauseMs);
    }
  }

  /** Ends a follow whose consumer delivers nothing while the stream holds unapplied records. */
  #checkStalled(): void {
    if (this.#failure || this.#applyError !== undefined || this.#streamLsn <= this.#applied) {
      this.#behindSince = undefined;
      return;
    }
    const now = Date.now();
    this.#behindSince ??= now;
    if (now - this.#behindSince < STALL_MS) return;
    this.#logger.warn("the stream consumer delivered nothing while records wait; following again", {
      applied_lsn: this.#applied,
      stream_lsn: this.#streamLsn,
      stalled_ms: now - this.#behindSince,
    });
    this.#behindSince = undefined;
    this.#abort.abort();
  }

  /** One batch through the apply function; a failure is counted, logged and retried by `#follow`. */
  #applyBatch(records: LogRecord[]): void {
    const first = (records[0] as LogRecord).lsn;
    const last = (records.at(-1) as LogRecord).lsn;
    try {
      this.#apply(records);
    } catch (e) {
      this.#applyFailures++;
      this.#applyError = `lsn ${first}..${last}: ${String(e)}`.slice(0, 500);
      this.#logger.error("applying stream records failed; the node is not ready and retries", {
        from_lsn: first,
        to_lsn: last,
        failures: this.#applyFailures,
        error: this.#applyError,
      });
      this.#onApplyFailure?.();
      throw new ApplyFailed(this.#applyError, { cause: e });
    }
    if (this.#applyError !== undefined) {
      this.#logger.info("stream records apply again", { lsn: last, failures: this.#applyFailures });
      this.#applyError = undefined;
    }
    this.#applied = last;
    this.#behindSince = undefined;
    if (this.#applied > this.#streamLsn) this.#streamLsn = this.#applied;
    this.#wake();
  }

  get stats(): FollowerStats {
    return {
      appliedLsn: this.#applied,
      streamLsn: this.#streamLsn,
      streamFirstLsn: this.#streamFirstLsn,
      lagRecords: Math.max(0, this.#streamLsn - this.#applied),
      polledAt: this.#polledAt,
      applyFailures: this.#applyFailures,
      applyError: this.#applyError,
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
    this.#abort.abort();
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
