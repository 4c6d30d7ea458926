/**
 * The `consensus` and `trust` lenses (SPEC §4): the heaviest group of a key
 * wins (ties: the group holding the most recent assertion), with confidence =
 * the mean confidence of the winning group's assertions. `consensus` weighs an
 * assertion by its confidence; `trust` by confidence × the agent's trust, and
 * ignores agents of trust 0 altogether: a key whose every agent has trust 0
 * has no result.
 */
import type { KeyAssertions, VisibleAssertion } from "../store/query-store.ts";
import { agentsLatest, type Group, groupByValue, keyResult } from "./groups.ts";
import type { KeyResult } from "./query-response.ts";

/** Resolves one key; `undefined` when the lens has nothing to say about it. */
export type KeyResolver = (key: KeyAssertions) => KeyResult | undefined;

function meanConfidence(g: Group): number {
  let sum = 0;
  for (const m of g.members) sum += m.confidence;
  return sum / g.members.length;
}

function heaviest(
  key: KeyAssertions,
  rows: readonly VisibleAssertion[],
  weightOf: (a: VisibleAssertion) => number,
) {
  const groups = groupByValue(agentsLatest(rows), weightOf);
  const winner = groups[0];
  if (winner === undefined) return undefined;
  return keyResult(key.key, winner, groups, meanConfidence(winner));
}

export const resolveConsensus: KeyResolver = (key) => heaviest(key, key.rows, (a) => a.confidence);

/** The `trust` lens over `trustOf(agent)` (registry trust, or the configured default). */
export function trustResolver(trustOf: (agent: string) => number): KeyResolver {
  return (key) => {
    const trusted = key.rows.filter((a) => trustOf(a.agent) > 0);
    return heaviest(key, trusted, (a) => a.confidence * trustOf(a.agent));
  };
}
