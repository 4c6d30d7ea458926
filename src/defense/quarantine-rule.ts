/**
 * The interface every quarantine rule implements, and the per-assertion context
 * the policy hands them. A rule runs inside the engine's commit (SPEC §6, see
 * `IngestPolicy`), once per assertion about to be recorded, so its common path
 * must not touch SQLite at all: what it needs often lives in memory (the
 * registry does, in `AgentTable`), and state reads are for the rare cases.
 *
 * Commit groups: the engine plans a whole group synchronously (`classify` is
 * synchronous) against the applied state, while the group before it may
 * still be in flight (durable, not yet applied: see `IngestPolicy`). Items
 * earlier in the same group, and those of the group in flight, are therefore
 * not in the state yet; a rule that counts or aggregates keeps its own memory
 * of them, per group, and drops a group's share at `endGroup`.
 */
import type { PreparedAssertion } from "../protocol/assertion.ts";
import type { AgentEntry } from "../store/agent-table.ts";
import type { State } from "../store/state.ts";
import type { QuarantineReason } from "./quarantine-reason.ts";

export interface QuarantineRule {
  /** Before the first `check` of each commit group, with the state the group is planned against. */
  beginGroup?(state: State): void;
  /** The oldest group opened by `beginGroup` is applied or refused: forget its items. */
  endGroup?(): void;
  /** The reasons (usually none, at most a few) this rule finds for `item`. */
  check(item: PreparedAssertion, ctx: RuleContext): readonly QuarantineReason[];
  /** After the policy decided `item` (on every rule's reasons); it will be recorded so. */
  decided?(item: PreparedAssertion, quarantined: boolean, ctx: RuleContext): void;
}

export const NO_REASONS: readonly QuarantineReason[] = Object.freeze([]);

export class RuleContext {
  readonly state: State;
  /** Server time of the decision, ms since the Unix epoch. */
  readonly now: number;

  constructor(state: State, now: number) {
    this.state = state;
    this.now = now;
  }

  /** The registry entry of `agent`, if it has one (from memory). */
  agentEntry(agent: string): AgentEntry | undefined {
    return this.state.agents.get(agent);
  }
}
