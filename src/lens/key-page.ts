/**
 * One page of a per-key lens: keys in index order after the cursor key, each
 * resolved by the lens, until `limit` results (SPEC §4: `limit` counts keys).
 * Keys the lens has nothing to say about (`trust` with only untrusted agents)
 * do not count, so a page is short only at the end; `next` is the last
 * returned key, or null when no key follows it.
 */
import type { AssertionKey, LensFilter, QueryStore } from "../store/query-store.ts";
import type { KeyResolver } from "./consensus.ts";
import type { KeyResult } from "./query-response.ts";

export interface KeyPage {
  results: KeyResult[];
  next: AssertionKey | null;
}

export function keyPage(
  store: QueryStore,
  filter: LensFilter,
  after: AssertionKey | undefined,
  limit: number,
  resolve: KeyResolver,
): KeyPage {
  const results: KeyResult[] = [];
  for (const key of store.byKey(filter, after)) {
    const result = resolve(key);
    if (result !== undefined) results.push(result);
    if (results.length === limit) return { results, next: key.last ? null : key.key };
  }
  return { results, next: null };
}
