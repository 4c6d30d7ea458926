/**
 * The JSON shapes `/v1/query` answers with (SPEC §4). Ids are lowercase hex;
 * values are the assertions' JSON values; confidences are effective ones (an
 * assertion without a confidence counts, and is shown, as 1).
 */
import type { JsonValue } from "../protocol/assertion.ts";
import type { LensName } from "./query-params.ts";

/** `all`: one visible assertion. */
export interface AssertionResult {
  id: string;
  concept: string;
  predicate: string;
  value: JsonValue;
  confidence: number;
  agent: string;
  ts: number;
  seq: number;
  status: "accepted" | "released";
}

/** A losing group of a key: agents whose latest claims share one value. */
export interface Alternative {
  value: JsonValue;
  weight: number;
  /** Ids of the group's assertions in seq order; `agents[i]` made `support[i]`. */
  support: string[];
  agents: string[];
}

/** `latest`, `consensus`, `trust`: the resolved value of one key (concept, predicate). */
export interface KeyResult {
  concept: string;
  predicate: string;
  value: JsonValue;
  confidence: number;
  support: string[];
  agents: string[];
  conflict: boolean;
  agreement: number;
  alternatives: Alternative[];
}

export interface QueryResponse {
  lens: LensName;
  /** The tree size answered at: `as_of`, or the current size. */
  tree_size: number;
  /** Merkle root (hex) at `tree_size`. */
  root: string;
  /** Always "assertions": only assertions have history; registry and quarantine state are today's. */
  as_of_scope: "assertions";
  results: AssertionResult[] | KeyResult[];
  next_cursor: string | null;
}
