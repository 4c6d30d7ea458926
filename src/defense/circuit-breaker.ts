/**
 * A circuit breaker's state machine (SPEC §6), shared by the per-agent breaker
 * and the storage breaker. What counts as a failure, and when to trip, is the
 * owner's business; this class only knows the states and the time:
 *
 *   closed ──trip()──▶ open ──openMs elapsed──▶ half-open ──succeed()──▶ closed
 *                        ▲                          │
 *                        └────────trip()────────────┘
 *
 * While half-open, `acquire()` hands out one trial at a time. A trial whose
 * outcome never arrives (its request failed elsewhere) expires after `openMs`,
 * so a lost trial cannot wedge the breaker half-open. Time comes from the
 * injected clock: tests move it, nothing here sleeps.
 */
import type { Clock } from "../clock.ts";

export type BreakerState = "closed" | "half-open" | "open";

/** Prometheus encoding of a state (`stemedb_breaker_state`). */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = Object.freeze({
  closed: 0,
  "half-open": 1,
  open: 2,
});

export type BreakerTransition = (to: BreakerState, from: BreakerState) => void;

export interface CircuitBreakerOptions {
  /** How long the breaker stays open before it lets a trial through, ms (> 0). */
  openMs: number;
  clock: Clock;
  onTransition?: BreakerTransition;
}

/** The answer to "may this go through?": a refusal says how long to wait. */
export type Permit = { allowed: true; trial: boolean } | { allowed: false; retryAfterMs: number };

export class CircuitBreaker {
  readonly #openMs: number;
  readonly #clock: Clock;
  readonly #onTransition: BreakerTransition | undefined;
  #state: BreakerState = "closed";
  /** While open: when it turns half-open. */
  #openUntil = 0;
  /** While half-open: until when the trial handed out is still awaited (0 = none out). */
  #trialUntil = 0;

  constructor(options: CircuitBreakerOptions) {
    if (!(options.openMs > 0)) {
      throw new RangeError(`openMs must be a positive number of ms, got ${options.openMs}`);
    }
    this.#openMs = options.openMs;
    this.#clock = options.clock;
    this.#onTransition = options.onTransition;
  }

  /** The current state; an open breaker whose time is up reads as half-open. */
  get state(): BreakerState {
    if (this.#state === "open" && this.#clock.now() >= this.#openUntil) {
      this.#trialUntil = 0;
      this.#move("half-open");
    }
    return this.#state;
  }

  /** Ms until an open breaker turns half-open (0 when it is not open). */
  msUntilHalfOpen(): number {
    return this.state === "open" ? Math.max(0, this.#openUntil - this.#clock.now()) : 0;
  }

  /** Closed: yes. Half-open: one trial at a time. Open: no, with the time left. */
  acquire(): Permit {
    const state = this.state;
    if (state === "closed") return { allowed: true, trial: false };
    const now = this.#clock.now();
    if (state === "open") return { allowed: false, retryAfterMs: this.#openUntil - now };
    if (this.#trialUntil > now) return { allowed: false, retryAfterMs: this.#trialUntil - now };
    this.#trialUntil = now + this.#openMs;
    return { allowed: true, trial: true };
  }

  /** A failure that opens the breaker (again) for `openMs`, from any state. */
  trip(): void {
    this.#openUntil = this.#clock.now() + this.#openMs;
    this.#trialUntil = 0;
    this.#move("open");
  }

  /** A trial succeeded: half-open closes. Ignored while closed or still open. */
  succeed(): void {
    if (this.state !== "half-open") return;
    this.#trialUntil = 0;
    this.#move("closed");
  }

  #move(to: BreakerState): void {
    const from = this.#state;
    this.#state = to;
    if (from !== to) this.#onTransition?.(to, from);
  }
}
