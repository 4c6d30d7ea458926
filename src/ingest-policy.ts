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
  /**
   * Called once before each commit group is planned, with the state it is
   * planned against. That state holds every earlier group except the one
   * still in flight: the commit loop plans group N+1 as soon as group N is
   * durable, before N is applied (src/engine/commit-loop.ts) — at most that
   * one group, and never one holding a registry update or status change
   * (those are applied before anything is planned on top of them). The items
   * of a group in flight went through `classify` but are not in the state: a
   * policy that counts or aggregates keeps them in memory until `endGroup`.
   */
  beginGroup?(state: State): void;
  /**
   * The oldest group opened by `beginGroup` is settled (applied, or refused):
   * by the next `beginGroup` its items are in the state or never will be.
   */
  endGroup?(): void;
  classify(
    item: PreparedAssertion,
    state: State,
  ): { status: "accepted" | "quarantined"; reasons: string[] };
}

export const acceptAll: IngestPolicy = { classify: () => ({ status: "accepted", reasons: [] }) };
