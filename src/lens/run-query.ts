/**
 * The one query path (SPEC §4) behind `GET`/`POST /v1/query`, the CLI and the
 * dashboard: pins the tree size (`as_of`, the cursor's, or the current one),
 * runs the lens over the store and answers with the root at that size.
 *
 * `as_of` pins assertions only: the agent registry (trust) and quarantine
 * review state are read as they are now, which every response states with
 * `as_of_scope: "assertions"` (always present, for a stable shape). A cursor
 * carries the size of its first page, so a walk through the pages is one
 * consistent snapshot; an `as_of` that disagrees with it is `bad_cursor`.
 */
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import type { AgentEntry } from "../store/agent-table.ts";
import type { LensFilter, QueryStore } from "../store/query-store.ts";
import { allPage } from "./all-page.ts";
import { type KeyResolver, resolveConsensus, trustResolver } from "./consensus.ts";
import { type Cursor, type CursorScope, decodeCursor, encodeCursor } from "./cursor.ts";
import { keyPage } from "./key-page.ts";
import { resolveLatest } from "./latest.ts";
import type { QueryParams } from "./query-params.ts";
import type { QueryResponse } from "./query-response.ts";

/**
 * What a query reads: the lens's query store and the agent registry (the
 * engine's `State`, or a reader thread's `ReadState`) and the Merkle tree (for
 * the root at the answered size).
 */
export interface LensSource {
  state: {
    readonly query: QueryStore;
    readonly agents: { get(agent: string): AgentEntry | undefined };
  };
  tree: { readonly size: number; root(size?: number): Uint8Array };
}

export interface QueryOptions {
  /** Trust of an agent absent from the registry or without a trust (SPEC §4: default 0.5). */
  defaultTrust: number;
}

function scopeOf(p: QueryParams): CursorScope {
  return {
    lens: p.lens,
    match: p.match,
    concept: p.concept,
    predicate: p.predicate,
    agent: p.agent,
    min_confidence: p.min_confidence,
  };
}

function resolverFor(
  lens: QueryParams["lens"],
  source: LensSource,
  options: QueryOptions,
): KeyResolver {
  if (lens === "latest") return resolveLatest;
  if (lens === "consensus") return resolveConsensus;
  // Registry look-ups once per agent per query.
  const trust = new Map<string, number>();
  return trustResolver((agent) => {
    let t = trust.get(agent);
    if (t === undefined) {
      t = source.state.agents.get(agent)?.trust ?? options.defaultTrust;
      trust.set(agent, t);
    }
    return t;
  });
}

/**
 * Answers validated `params` (see `parseQueryParams`). Throws `bad_tree_size`
 * (field `as_of`) when as_of is beyond the current tree size and `bad_cursor`
 * (field `cursor`) for a cursor that is not this query's.
 */
export function runQuery(
  source: LensSource,
  params: QueryParams,
  options: QueryOptions,
): QueryResponse {
  const size = source.tree.size;
  if (params.as_of !== undefined && params.as_of > size) {
    throw new StemeError(
      "bad_tree_size",
      `as_of ${params.as_of} is beyond the current tree size ${size}`,
      { field: "as_of" },
    );
  }
  const scope = scopeOf(params);
  let cursor: Cursor | undefined;
  if (params.cursor !== undefined) {
    cursor = decodeCursor(params.cursor, scope, size);
    if (params.as_of !== undefined && params.as_of !== cursor.asOf) {
      throw new StemeError(
        "bad_cursor",
        `cursor was issued for as_of ${cursor.asOf}, not ${params.as_of}; drop as_of or the cursor`,
        { field: "cursor" },
      );
    }
  }
  const asOf = cursor?.asOf ?? params.as_of ?? size;
  const filter: LensFilter = {
    concept: params.concept,
    match: params.match,
    predicate: params.predicate,
    agent: params.agent,
    asOf,
    minConfidence: params.min_confidence ?? 0,
    current: asOf === size,
  };
  const store = source.state.query;
  const position = cursor?.position;

  let results: QueryResponse["results"];
  let nextCursor: string | null = null;
  if (params.lens === "all") {
    const after = position !== undefined && "time" in position ? position.time : undefined;
    const page = allPage(store, filter, after, params.limit);
    results = page.results;
    if (page.next !== null)
      nextCursor = encodeCursor(scope, { asOf, position: { time: page.next } });
  } else {
    const after = position !== undefined && "key" in position ? position.key : undefined;
    const page = keyPage(
      store,
      filter,
      after,
      params.limit,
      resolverFor(params.lens, source, options),
    );
    results = page.results;
    if (page.next !== null)
      nextCursor = encodeCursor(scope, { asOf, position: { key: page.next } });
  }
  return {
    lens: params.lens,
    tree_size: asOf,
    root: toHex(source.tree.root(asOf)),
    as_of_scope: "assertions",
    results,
    next_cursor: nextCursor,
  };
}
