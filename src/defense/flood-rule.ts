/**
 * The `flood` rule (SPEC §6): more than `limit` assertions by one agent on one
 * key (concept, predicate) within a sliding 60 s window, counted by server
 * receive time, quarantine every one past the limit until the window slides.
 * Retractions and quarantined assertions count too; duplicates are never
 * recorded, so they never count.
 *
 * Cheap first, exact second:
 * - a `RecentCounter` (fixed memory, never under-counts) says for almost
 *   every assertion that its agent and key are far below the limit — no state
 *   read at all;
 * - only when it cannot, the exact count: the agent's stored assertions on the
 *   key, newest first from the agent index, read until one falls out of the
 *   window or the limit is reached (bounded by the limit, not by history),
 *   plus the ones earlier in the same commit group, which are not stored yet
 *   (this rule's memory of the group, dropped at the next group).
 *
 * The pre-filter lives in memory: after a restart it starts empty, so an agent
 * flooding across a restart gets at most `limit` more assertions accepted
 * before the exact count (which sees the stored ones) takes over again.
 */
import type { PreparedAssertion } from "../protocol/assertion.ts";
import type { QuarantineReason } from "./quarantine-reason.ts";
import { NO_REASONS, type QuarantineRule, type RuleContext } from "./quarantine-rule.ts";
import { hashKey, RecentCounter } from "./recent-counter.ts";

export const FLOOD_WINDOW_MS = 60_000;
const FLOOD: readonly QuarantineReason[] = Object.freeze(["flood"]);

export class FloodRule implements QuarantineRule {
  readonly #limit: number;
  readonly #recent = new RecentCounter();
  /** The assertions of the current commit group so far (counted only on the exact path). */
  readonly #inGroup: PreparedAssertion[] = [];

  /** `limit`: assertions per agent, key and minute that are still fine (≥ 1). */
  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`FloodRule: limit must be an integer ≥ 1, got ${limit}`);
    }
    this.#limit = limit;
  }

  beginGroup(): void {
    this.#inGroup.length = 0;
  }

  check(item: PreparedAssertion, ctx: RuleContext): readonly QuarantineReason[] {
    const { agent, concept, predicate } = item.assertion;
    const hash = hashKey(agent, concept, predicate);
    const approximate = this.#recent.count(hash, ctx.now);
    this.#recent.add(hash, ctx.now);
    const earlier = this.#inGroup;
    earlier.push(item);
    if (approximate < this.#limit) return NO_REASONS;
    // Items of this group are received "now": all inside the window.
    let seen = 0;
    for (let i = 0; i < earlier.length - 1; i++) {
      const e = (earlier[i] as PreparedAssertion).assertion;
      if (e.agent === agent && e.concept === concept && e.predicate === predicate) seen++;
    }
    const after = ctx.now - FLOOD_WINDOW_MS;
    if (seen < this.#limit) {
      for (const at of ctx.state.quarantine.receivedTimes(agent, concept, predicate)) {
        if (at <= after || ++seen >= this.#limit) break;
      }
    }
    return seen >= this.#limit ? FLOOD : NO_REASONS;
  }
}
