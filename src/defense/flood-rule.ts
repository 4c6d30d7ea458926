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
 *   plus those of the commit groups not yet applied — this one and the one
 *   in flight — which are not stored yet (this rule's memory, per group,
 *   dropped at `endGroup`).
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
  /** The assertions of the groups not yet applied, per group, oldest first (counted only on the exact path). */
  readonly #groups: PreparedAssertion[][] = [];

  /** `limit`: assertions per agent, key and minute that are still fine (≥ 1). */
  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`FloodRule: limit must be an integer ≥ 1, got ${limit}`);
    }
    this.#limit = limit;
  }

  beginGroup(): void {
    this.#groups.push([]);
  }

  endGroup(): void {
    this.#groups.shift();
  }

  check(item: PreparedAssertion, ctx: RuleContext): readonly QuarantineReason[] {
    const { agent, concept, predicate } = item.assertion;
    const hash = hashKey(agent, concept, predicate);
    const approximate = this.#recent.count(hash, ctx.now);
    this.#recent.add(hash, ctx.now);
    if (this.#groups.length === 0) this.#groups.push([]);
    const unapplied = this.#groups;
    (unapplied[unapplied.length - 1] as PreparedAssertion[]).push(item);
    if (approximate < this.#limit) return NO_REASONS;
    // Items not yet applied were received within the last commit or two: all inside the window.
    let seen = -1; // the item itself is counted below
    for (const group of unapplied) {
      for (const { assertion: e } of group) {
        if (e.agent === agent && e.concept === concept && e.predicate === predicate) seen++;
      }
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
