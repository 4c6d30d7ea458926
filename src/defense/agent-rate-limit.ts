/**
 * Per-agent assertion rate limit (SPEC §6, `STEMEDB_RATE_ASSERT_PER_AGENT`) as
 * an ingest guard: every verified assertion takes one token from its agent's
 * bucket, whether it arrives alone, in a batch or in NDJSON; an item over the
 * limit is refused alone with `rate_limited` (429 + Retry-After for a single
 * assertion, a rejected item in a batch). Only verified items reach guards, so
 * nobody can spend another agent's tokens by forging its key.
 */

import type { Clock } from "../clock.ts";
import { StemeError } from "../errors.ts";
import type { IngestGuard } from "../ingest/ingest-guard.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import { TokenBuckets } from "./token-bucket.ts";

export interface AgentRateLimitOptions {
  /** Assertions per second per agent key (> 0). */
  ratePerSecond: number;
  burstSeconds: number;
  clock: Clock;
  maxKeys?: number;
  /** Called once per refused item (metrics). */
  onLimited?: () => void;
}

export class AgentRateLimit implements IngestGuard {
  readonly #buckets: TokenBuckets;
  readonly #onLimited: (() => void) | undefined;

  constructor(options: AgentRateLimitOptions) {
    this.#buckets = new TokenBuckets(options);
    this.#onLimited = options.onLimited;
  }

  /** Agents with a bucket kept in memory. */
  get trackedAgents(): number {
    return this.#buckets.size;
  }

  admit(item: PreparedAssertion): StemeError | undefined {
    const agent = item.assertion.agent;
    const taken = this.#buckets.take(agent);
    if (taken.allowed) return undefined;
    this.#onLimited?.();
    return new StemeError(
      "rate_limited",
      `agent ${agent.slice(0, 16)}… sends more than ${this.#buckets.rate} assertions/s ` +
        "(STEMEDB_RATE_ASSERT_PER_AGENT); retry after the Retry-After delay",
      { field: "agent", retryAfterS: taken.retryAfterS },
    );
  }
}
