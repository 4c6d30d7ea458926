/**
 * The quarantine policy (SPEC §6): the engine's `IngestPolicy`, run inside the
 * commit for every assertion that will be recorded. Every enabled rule runs on
 * every assertion (rules with memory, such as `flood`, must see them all) and
 * every reason found is recorded, in the order of `QUARANTINE_REASONS`. No
 * reason: accepted. Which rules run is decided once, from the config:
 *
 * | rule            | runs when                                  |
 * |-----------------|--------------------------------------------|
 * | probation       | `agentPolicy` is `probation`               |
 * | content         | `quarantineSuspicious` (default true)      |
 * | contradiction   | `quarantineContradiction` (default true)   |
 * | flood           | `floodPerKeyPerMinute` > 0 (default 120)   |
 *
 * Commit groups (see quarantine-rule.ts and `IngestPolicy`): the engine calls
 * `beginGroup` before it plans each commit group and `endGroup` once the
 * oldest group in flight is applied or refused; rules keep their memory of a
 * group's items until then (those are not in the state before).
 */

import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { IngestPolicy } from "../ingest-policy.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import type { State } from "../store/state.ts";
import { probationRule } from "./agent-policy.ts";
import { suspiciousContent } from "./content-rules.ts";
import { ContradictionRule } from "./contradiction-rule.ts";
import { FloodRule } from "./flood-rule.ts";
import { type QuarantineRule, RuleContext } from "./quarantine-rule.ts";

export type QuarantineConfig = Pick<
  Config,
  | "agentPolicy"
  | "quarantineSuspicious"
  | "quarantineContradiction"
  | "contradictionMinAgents"
  | "contradictionMinAgreement"
  | "floodPerKeyPerMinute"
  | "defaultTrust"
>;

export class QuarantinePolicy implements IngestPolicy {
  readonly rules: readonly QuarantineRule[];
  readonly #clock: Clock;

  constructor(rules: readonly QuarantineRule[], clock: Clock) {
    this.rules = rules;
    this.#clock = clock;
  }

  beginGroup(state: State): void {
    for (const rule of this.rules) rule.beginGroup?.(state);
  }

  endGroup(): void {
    for (const rule of this.rules) rule.endGroup?.();
  }

  classify(
    item: PreparedAssertion,
    state: State,
  ): { status: "accepted" | "quarantined"; reasons: string[] } {
    const ctx = new RuleContext(state, this.#clock.now());
    const reasons: string[] = [];
    for (const rule of this.rules) {
      const found = rule.check(item, ctx);
      if (found.length > 0) reasons.push(...found);
    }
    const quarantined = reasons.length > 0;
    for (const rule of this.rules) rule.decided?.(item, quarantined, ctx);
    return { status: quarantined ? "quarantined" : "accepted", reasons };
  }
}

/** The rules `config` enables, in reason order. */
export function quarantineRules(config: QuarantineConfig): QuarantineRule[] {
  const rules: QuarantineRule[] = [];
  if (config.agentPolicy === "probation") rules.push(probationRule);
  if (config.quarantineSuspicious) rules.push({ check: suspiciousContent });
  if (config.quarantineContradiction) {
    rules.push(
      new ContradictionRule({
        minAgents: config.contradictionMinAgents,
        minAgreement: config.contradictionMinAgreement,
        defaultTrust: config.defaultTrust,
      }),
    );
  }
  if (config.floodPerKeyPerMinute > 0) rules.push(new FloodRule(config.floodPerKeyPerMinute));
  return rules;
}

export function quarantinePolicy(config: QuarantineConfig, clock: Clock): QuarantinePolicy {
  return new QuarantinePolicy(quarantineRules(config), clock);
}
