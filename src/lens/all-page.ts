/**
 * One page of the `all` lens (SPEC §4): every visible assertion matching the
 * filters, newest first (ts descending, tie seq descending); retractions are
 * never results. `next` is the position of the last one returned, or null at
 * the end.
 */
import { toHex } from "../hex.ts";
import type { JsonValue } from "../protocol/assertion.ts";
import type {
  LensFilter,
  QueryStore,
  TimePosition,
  VisibleAssertion,
} from "../store/query-store.ts";
import type { AssertionResult } from "./query-response.ts";

export interface AllPage {
  results: AssertionResult[];
  next: TimePosition | null;
}

function toResult(a: VisibleAssertion): AssertionResult {
  return {
    id: toHex(a.id),
    concept: a.concept,
    predicate: a.predicate,
    value: JSON.parse(a.value) as JsonValue,
    confidence: a.confidence,
    agent: a.agent,
    ts: a.ts,
    seq: a.seq,
    status: a.status === 3 ? "released" : "accepted",
  };
}

export function allPage(
  store: QueryStore,
  filter: LensFilter,
  after: TimePosition | undefined,
  limit: number,
): AllPage {
  // One extra row says whether another page follows.
  const rows = store.newestFirst(filter, after, limit + 1);
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    results: page.map(toResult),
    next: more && last !== undefined ? { ts: last.ts, seq: last.seq } : null,
  };
}
