/**
 * The groups of a key (SPEC §4), shared by the per-key lenses: each agent's
 * latest assertion for the key (greatest ts, tie greater seq), grouped by value
 * (equal canonical encoding), each group weighted by Σ weight(assertion) — the
 * confidence for `latest` and `consensus`, confidence × trust for `trust`.
 *
 * Groups are ranked heaviest first; equal weights rank the group holding the
 * most recent assertion first (greatest ts, then greatest seq), so the order is
 * total and deterministic. Weights are sums of doubles, so "equal" means equal
 * to 1e-9: 0.1 + 0.2 ties with 0.3 as a reader would expect.
 */
import { toHex } from "../hex.ts";
import type { JsonValue } from "../protocol/assertion.ts";
import type { AssertionKey, VisibleAssertion } from "../store/query-store.ts";
import type { KeyResult } from "./query-response.ts";

export interface Group {
  /** Canonical JSON text of the shared value. */
  value: string;
  weight: number;
  /** The agents' latest assertions holding the value, in seq order. */
  members: VisibleAssertion[];
  /** The group's most recent member (greatest ts, then seq). */
  newest: VisibleAssertion;
}

/** True when `a` is more recent than `b`: greater ts, tie greater seq (SPEC §4). */
export function isNewer(a: VisibleAssertion, b: VisibleAssertion): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.seq > b.seq);
}

/** The most recent of `rows` (non-empty). */
export function newestOf(rows: readonly VisibleAssertion[]): VisibleAssertion {
  let newest = rows[0] as VisibleAssertion;
  for (const r of rows) if (isNewer(r, newest)) newest = r;
  return newest;
}

/** Each agent's latest assertion among `rows`. */
export function agentsLatest(rows: readonly VisibleAssertion[]): VisibleAssertion[] {
  const byAgent = new Map<string, VisibleAssertion>();
  for (const r of rows) {
    const held = byAgent.get(r.agent);
    if (held === undefined || isNewer(r, held)) byAgent.set(r.agent, r);
  }
  return [...byAgent.values()];
}

const WEIGHT_QUANTUM = 1e9;
const quantized = (w: number): number => Math.round(w * WEIGHT_QUANTUM);

/** Heaviest first; tie: the group with the most recent assertion first. */
export function compareGroups(a: Group, b: Group): number {
  const byWeight = quantized(b.weight) - quantized(a.weight);
  if (byWeight !== 0) return byWeight;
  return isNewer(a.newest, b.newest) ? -1 : isNewer(b.newest, a.newest) ? 1 : 0;
}

/** The groups of `latest` (agents' latest assertions), ranked by `compareGroups`. */
export function groupByValue(
  latest: readonly VisibleAssertion[],
  weightOf: (a: VisibleAssertion) => number,
): Group[] {
  const ordered = [...latest].sort((a, b) => a.seq - b.seq);
  const byValue = new Map<string, Group>();
  for (const a of ordered) {
    const g = byValue.get(a.value);
    if (g === undefined) {
      byValue.set(a.value, { value: a.value, weight: weightOf(a), members: [a], newest: a });
    } else {
      g.weight += weightOf(a);
      g.members.push(a);
      if (isNewer(a, g.newest)) g.newest = a;
    }
  }
  return [...byValue.values()].sort(compareGroups);
}

/**
 * `agreement` = winner's weight / total weight (SPEC §4); 1 with one group.
 * When every weight is 0 (all confidences 0) the ratio is 0/0: it falls back
 * to the winner's share of the agents.
 */
export function agreementOf(winner: Group, groups: readonly Group[]): number {
  if (groups.length === 1) return 1;
  let total = 0;
  let agents = 0;
  for (const g of groups) {
    total += g.weight;
    agents += g.members.length;
  }
  return total > 0 ? winner.weight / total : winner.members.length / agents;
}

const parse = (canonical: string): JsonValue => JSON.parse(canonical) as JsonValue;
const ids = (g: Group): string[] => g.members.map((m) => toHex(m.id));
const agentsOf = (g: Group): string[] => g.members.map((m) => m.agent);

/** The result of one key with `winner` among `groups` (ranked), at `confidence`. */
export function keyResult(
  key: AssertionKey,
  winner: Group,
  groups: readonly Group[],
  confidence: number,
): KeyResult {
  return {
    concept: key.concept,
    predicate: key.predicate,
    value: parse(winner.value),
    confidence,
    support: ids(winner),
    agents: agentsOf(winner),
    conflict: groups.length > 1,
    agreement: agreementOf(winner, groups),
    alternatives: groups
      .filter((g) => g !== winner)
      .map((g) => ({
        value: parse(g.value),
        weight: g.weight,
        support: ids(g),
        agents: agentsOf(g),
      })),
  };
}
