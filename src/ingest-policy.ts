/**
 * The seam between the engine and content defense (SPEC §6): the engine asks,
 * inside each commit, whether a verified assertion is recorded as accepted or
 * quarantined; src/defense implements it. Neither side imports the other.
 */
import type { PreparedAssertion } from "./protocol/assertion.ts";
import type { State } from "./store/state.ts";

/**
 * Runs against the current state, after duplicate and retraction checks.
 * The default accepts everything.
 */
export interface IngestPolicy {
  /** Called once before each commit group is planned: the previous group is applied (or refused). */
  beginGroup?(state: State): void;
  classify(
    item: PreparedAssertion,
    state: State,
  ): { status: "accepted" | "quarantined"; reasons: string[] };
}

export const acceptAll: IngestPolicy = { classify: () => ({ status: "accepted", reasons: [] }) };
