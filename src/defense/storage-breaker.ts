/**
 * The storage circuit breaker (SPEC §6). A failed log append (a full disk, an
 * I/O error: the log answers `storage_unavailable` and has already cut the
 * failed batch off) opens it; while it is not closed every write is refused at
 * once with 503 `storage_unavailable` and a Retry-After, reads go on, and the
 * engine reports not ready. Every `probeSeconds` it probes the storage —
 * writes, fdatasyncs and removes a small file next to the segments — and
 * closes by itself when a probe succeeds. A write that fails after that opens
 * it again. No write is ever a trial: only the probe is.
 */
import type { Clock } from "../clock.ts";
import { StemeError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { type BreakerState, type BreakerTransition, CircuitBreaker } from "./circuit-breaker.ts";

/** Schedules `fn` after `ms`; returns a cancel function. */
export type Scheduler = (fn: () => void, ms: number) => () => void;

export interface StorageBreakerOptions {
  /** Resolves when the storage takes a durable write again; rejects otherwise. */
  probe: () => Promise<void>;
  probeSeconds: number;
  clock: Clock;
  logger: Logger;
  onTransition?: BreakerTransition;
  /** Default: an unref'd setTimeout. */
  schedule?: Scheduler;
}

const defaultSchedule: Scheduler = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
};

export class StorageBreaker {
  readonly #o: StorageBreakerOptions;
  readonly #breaker: CircuitBreaker;
  readonly #schedule: Scheduler;
  #cancel: (() => void) | undefined;
  #probing: Promise<boolean> | undefined;
  #lastError = "";
  #stopped = false;

  constructor(options: StorageBreakerOptions) {
    this.#o = options;
    this.#schedule = options.schedule ?? defaultSchedule;
    this.#breaker = new CircuitBreaker({
      openMs: options.probeSeconds * 1000,
      clock: options.clock,
      onTransition: (to, from) => {
        if (to === "open" && from === "closed") {
          options.logger.warn("storage breaker open: writes are refused until a probe succeeds", {
            probe_seconds: options.probeSeconds,
            error: this.#lastError,
          });
        } else if (to === "closed") {
          options.logger.info("storage breaker closed: a probe write succeeded, writes resume");
        }
        options.onTransition?.(to, from);
      },
    });
  }

  get state(): BreakerState {
    return this.#breaker.state;
  }

  /** The last storage error seen (for the operator's log), "" if none. */
  get lastError(): string {
    return this.#lastError;
  }

  /** undefined while closed; otherwise the error to refuse a write with. */
  refusal(): StemeError | undefined {
    if (this.#breaker.state === "closed") return undefined;
    const retryAfterS = Math.max(1, Math.ceil(this.#breaker.msUntilHalfOpen() / 1000));
    return new StemeError(
      "storage_unavailable",
      "the data disk failed a write (full or faulty); writes are refused until a probe write " +
        "succeeds, reads go on. Operators: free disk space or fix the device; the server log has the error",
      { retryAfterS },
    );
  }

  /** A log append failed: open (or keep open) and schedule the probe. */
  recordFailure(error: unknown): void {
    if (this.#stopped) return;
    this.#lastError = error instanceof Error ? error.message : String(error);
    this.#breaker.trip();
    this.#scheduleProbe(this.#breaker.msUntilHalfOpen());
  }

  /**
   * Runs the probe if the breaker is half-open (its wait is over): success
   * closes it, failure opens it for another interval. Resolves to "closed now".
   */
  probe(): Promise<boolean> {
    this.#probing ??= this.#runProbe().finally(() => {
      this.#probing = undefined;
    });
    return this.#probing;
  }

  /** Cancels the pending probe (engine close). */
  stop(): void {
    this.#stopped = true;
    this.#cancel?.();
    this.#cancel = undefined;
  }

  async #runProbe(): Promise<boolean> {
    const permit = this.#breaker.acquire();
    if (!permit.allowed || !permit.trial) return permit.allowed;
    try {
      await this.#o.probe();
    } catch (e) {
      this.#o.logger.debug("storage probe failed", { error: String(e) });
      this.#lastError = e instanceof Error ? e.message : String(e);
      this.#breaker.trip();
      return false;
    }
    this.#breaker.succeed();
    return this.#breaker.state === "closed";
  }

  #scheduleProbe(ms: number): void {
    this.#cancel?.();
    this.#cancel = this.#schedule(
      () => {
        this.#cancel = undefined;
        if (this.#stopped) return;
        void this.probe().then((closed) => {
          if (!closed && !this.#stopped) this.#scheduleProbe(Math.max(1, this.#nextProbeMs()));
        });
      },
      Math.max(1, ms),
    );
  }

  #nextProbeMs(): number {
    return this.#breaker.state === "half-open" ? 1 : this.#breaker.msUntilHalfOpen();
  }
}
