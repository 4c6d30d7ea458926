/**
 * Wire shapes of a batch write receipt (SPEC §3 `POST /v1/assert` with an
 * array or NDJSON body). Shared by the server that builds them and the SDK
 * that reads them, so neither imports the other.
 */
import type { SignedTreeHead } from "../merkle/tree-head.ts";

/** Why one item of a batch was rejected: the problem+json fields of a single write. */
export interface ItemError {
  code: string;
  detail: string;
  field: string | null;
}

export interface BatchItemResult {
  index: number;
  id: string | null;
  seq: number | null;
  status: "accepted" | "quarantined" | "duplicate" | "redacted" | "rejected";
  /** Quarantine reasons, on quarantined items. */
  reasons?: string[];
  error?: ItemError;
}

export interface BatchResponse {
  results: BatchItemResult[];
  accepted: number;
  duplicates: number;
  quarantined: number;
  rejected: number;
  tree_size: number;
  sth: SignedTreeHead;
}
