/**
 * The seam where content defense plugs into ingest (SPEC §6). A guard sees each
 * verified assertion before it reaches the engine and may refuse it (agent
 * policy, agent circuit breaker, per-agent rate limit), and hears every outcome
 * afterwards (breaker bookkeeping, flood counters). Quarantine decisions that
 * depend on stored state run inside the commit, as the engine's IngestPolicy.
 */
import type { StemeError } from "../errors.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";

export interface IngestContext {
  /** Client address as the HTTP layer determined it. */
  ip: string;
  /** Server time of the request, ms since the Unix epoch. */
  nowMs: number;
}

export type SubmissionStatus = "accepted" | "quarantined" | "duplicate" | "redacted" | "rejected";

export interface IngestGuard {
  /** An error refuses this item (and, for a single-assertion request, the request). */
  admit?(item: PreparedAssertion, ctx: IngestContext): StemeError | undefined;
  /**
   * Every outcome of a verified item, including those a guard refused. Items
   * that failed validation or signature checks never reach guards: their agent
   * field is unproven, and counting them would let anyone trip a victim's breaker.
   */
  observe?(
    agent: string,
    status: SubmissionStatus,
    error: StemeError | undefined,
    ctx: IngestContext,
  ): void;
}
