/**
 * The `latest` lens (SPEC §4): a key's value is that of its most recent visible
 * assertion (greatest ts, tie greater seq), whatever the weights; its
 * confidence is that assertion's. Groups, weighted by Σ confidence, still give
 * `agreement` and the `alternatives`.
 */
import type { KeyAssertions } from "../store/query-store.ts";
import { agentsLatest, groupByValue, keyResult, newestOf } from "./groups.ts";
import type { KeyResult } from "./query-response.ts";

export function resolveLatest({ key, rows }: KeyAssertions): KeyResult {
  const winner = newestOf(rows);
  const groups = groupByValue(agentsLatest(rows), (a) => a.confidence);
  // The newest assertion is its agent's latest, so its value has a group.
  const group = groups.find((g) => g.value === winner.value);
  if (group === undefined) throw new Error("latest lens: the newest assertion has no group");
  return keyResult(key, group, groups, winner.confidence);
}
