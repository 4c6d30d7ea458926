/**
 * The per-agent circuit breaker (SPEC §6) as an ingest guard. It watches each
 * agent's last `window` verified submissions; once at least `minSubmissions`
 * are in the window and the share that was rejected or quarantined reaches
 * `threshold`, the agent's breaker opens: its items are refused with 503
 * `agent_breaker_open` and a Retry-After of the seconds left. After
 * `openSeconds` one trial item is let through (half-open): if it is accepted
 * (or a duplicate) the breaker closes with a clean window; otherwise it opens
 * again.
 *
 * Honest traffic never trips it: duplicates are successes, and refusals that
 * say nothing about the agent's content — rate limits, the breaker's own
 * refusals, storage faults, agent-policy refusals, the quarantines of an
 * agent on probation — are not counted at all. Items that failed
 * validation or signature checks never reach guards (their agent is unproven).
 *
 * Memory is bounded: windows of at most `maxAgents` agents (least recently
 * seen evicted first), and at most `maxAgents` open breakers.
 */

import type { Clock } from "../clock.ts";
import { StemeError } from "../errors.ts";
import type { IngestGuard, SubmissionStatus } from "../ingest/ingest-guard.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import { type BreakerState, type BreakerTransition, CircuitBreaker } from "./circuit-breaker.ts";

export interface AgentBreakerOptions {
  window: number;
  minSubmissions: number;
  /** Share (0–1] of failures in the window that opens the breaker. */
  threshold: number;
  openSeconds: number;
  clock: Clock;
  /** Agents tracked at once (default 100,000). */
  maxAgents?: number;
  /**
   * True for an agent on probation (policy `probation`, not registered): all of
   * its assertions are quarantined by policy, so its quarantines are no verdict.
   */
  onProbation?: (agent: string) => boolean;
  /** Every state change of any agent's breaker (metrics, logs). */
  onTransition?: (agent: string, to: BreakerState, from: BreakerState) => void;
}

/** What health and metrics read. */
export interface AgentBreakerStatus {
  /** Agents whose breaker is open right now (half-open ones await their trial). */
  openCount(): number;
}

/**
 * Error codes that are no verdict on the agent's submissions: limits, server
 * faults, and agent-policy refusals (the policy guard already refuses those
 * agents, cheaply and first; a breaker on top would only add noise).
 */
const NOT_COUNTED = new Set<string>([
  "agent_breaker_open",
  "rate_limited",
  "storage_unavailable",
  "not_ready",
  "agent_not_registered",
  "agent_not_allowed",
]);

/** A ring of the last `size` outcomes (1 = failure). */
class OutcomeWindow {
  readonly #bits: Uint8Array;
  #next = 0;
  count = 0;
  failures = 0;

  constructor(size: number) {
    this.#bits = new Uint8Array(size);
  }

  push(failed: boolean): void {
    if (this.count === this.#bits.length) this.failures -= this.#bits[this.#next] as number;
    else this.count++;
    this.#bits[this.#next] = failed ? 1 : 0;
    if (failed) this.failures++;
    this.#next = (this.#next + 1) % this.#bits.length;
  }
}

const DEFAULT_MAX_AGENTS = 100_000;

export class AgentBreaker implements IngestGuard, AgentBreakerStatus {
  readonly #o: AgentBreakerOptions;
  readonly #maxAgents: number;
  readonly #windows = new Map<string, OutcomeWindow>();
  readonly #breakers = new Map<string, CircuitBreaker>();

  constructor(options: AgentBreakerOptions) {
    if (!Number.isSafeInteger(options.window) || options.window < 1) {
      throw new RangeError(`window must be an integer ≥ 1, got ${options.window}`);
    }
    if (!(options.threshold > 0 && options.threshold <= 1)) {
      throw new RangeError(`threshold must be in (0, 1], got ${options.threshold}`);
    }
    this.#o = options;
    this.#maxAgents = options.maxAgents ?? DEFAULT_MAX_AGENTS;
  }

  /** The state of one agent's breaker. */
  state(agent: string): BreakerState {
    return this.#breakers.get(agent)?.state ?? "closed";
  }

  openCount(): number {
    let open = 0;
    for (const breaker of this.#breakers.values()) if (breaker.state === "open") open++;
    return open;
  }

  /** Agents with a window kept in memory. */
  get trackedAgents(): number {
    return this.#windows.size;
  }

  admit(item: PreparedAssertion): StemeError | undefined {
    const breaker = this.#breakers.get(item.assertion.agent);
    if (breaker === undefined) return undefined;
    const permit = breaker.acquire();
    if (permit.allowed) return undefined;
    const retryAfterS = Math.max(1, Math.ceil(permit.retryAfterMs / 1000));
    return new StemeError(
      "agent_breaker_open",
      "too many of this agent's recent assertions were rejected or quarantined; " +
        `its submissions are paused for ${retryAfterS} s (STEMEDB_AGENT_BREAKER_*)`,
      { field: "agent", retryAfterS },
    );
  }

  observe(agent: string, status: SubmissionStatus, error: StemeError | undefined): void {
    if (error !== undefined && NOT_COUNTED.has(error.code)) return;
    if (status === "quarantined" && this.#o.onProbation?.(agent) === true) return;
    const failed = status === "rejected" || status === "quarantined";
    const breaker = this.#breakers.get(agent);
    if (breaker !== undefined) {
      // Outcomes while open are stragglers admitted before it opened; in half-open, the trial's.
      if (breaker.state !== "half-open") return;
      if (failed) breaker.trip();
      else {
        breaker.succeed();
        this.#breakers.delete(agent);
        this.#windows.delete(agent); // a clean start
      }
      return;
    }
    const window = this.#window(agent);
    window.push(failed);
    if (
      failed &&
      window.count >= this.#o.minSubmissions &&
      window.failures >= this.#o.threshold * window.count
    ) {
      this.#open(agent);
    }
  }

  #window(agent: string): OutcomeWindow {
    let window = this.#windows.get(agent);
    if (window === undefined) {
      if (this.#windows.size >= this.#maxAgents) this.#dropOldest(this.#windows);
      window = new OutcomeWindow(this.#o.window);
    } else {
      this.#windows.delete(agent); // re-inserted: Map order is recency order
    }
    this.#windows.set(agent, window);
    return window;
  }

  #open(agent: string): void {
    this.#windows.delete(agent);
    if (this.#breakers.size >= this.#maxAgents) this.#dropOldest(this.#breakers);
    const onTransition = this.#o.onTransition;
    const forward: BreakerTransition | undefined =
      onTransition === undefined ? undefined : (to, from) => onTransition(agent, to, from);
    const breaker = new CircuitBreaker({
      openMs: this.#o.openSeconds * 1000,
      clock: this.#o.clock,
      ...(forward === undefined ? {} : { onTransition: forward }),
    });
    this.#breakers.set(agent, breaker);
    breaker.trip();
  }

  #dropOldest(map: Map<string, unknown>): void {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
