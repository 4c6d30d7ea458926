/**
 * The JSON shapes of the HTTP API (SPEC §3, §4) as the SDK returns them. Field
 * names are the wire names (snake_case), so what a caller reads here is what
 * curl shows. Servers may add members; the SDK passes them through.
 */
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import type { Assertion } from "../protocol/assertion.ts";

export type { SignedTreeHead } from "../merkle/tree-head.ts";
export type { Assertion, JsonValue, UnsignedAssertion } from "../protocol/assertion.ts";

export type RecordStatus = "accepted" | "quarantined" | "released" | "rejected";

/** `POST /v1/assert` with one assertion: 201 when recorded, 200 when a duplicate. */
export interface AssertReceipt {
  id: string;
  seq: number;
  status: "accepted" | "quarantined" | "duplicate" | "redacted";
  tree_size: number;
  /** A signed tree head covering the assertion: the write receipt (SPEC §3). */
  sth: SignedTreeHead;
  /** With `proof: true`: the audit path of the assertion in `sth`. */
  audit_path?: string[];
}

// Batch results: the wire shapes the server builds (src/protocol, shared by both sides).
export type {
  BatchItemResult,
  BatchResponse as BatchReceipt,
  ItemError,
} from "../protocol/batch-receipt.ts";

/** `GET /v1/assertions/:id`. */
export interface StoredAssertionView {
  id: string;
  assertion: Assertion;
  seq: number;
  received_at: number;
  status: RecordStatus;
  /** Why it was quarantined (SPEC §6), only when there are reasons. */
  reasons?: string[];
}

/** `GET /v1/assertions/:id` for a redacted assertion (SPEC §12): no body, the redaction that removed it. */
export interface RedactedAssertionView {
  id: string;
  seq: number;
  status: "redacted";
  redaction: { id: string; seq: number; reason: string } | null;
}

/** What `GET /v1/assertions/:id` answers. */
export type AnyAssertionView = StoredAssertionView | RedactedAssertionView;

export type MatchKind = "exact" | "prefix" | "tail";
export type LensName = "latest" | "consensus" | "trust" | "all";

/** SPEC §4 parameters; at least one of concept, predicate, agent. */
export interface QueryParams {
  concept?: string;
  match?: MatchKind;
  predicate?: string;
  agent?: string;
  lens?: LensName;
  as_of?: number;
  min_confidence?: number;
  limit?: number;
  cursor?: string;
}

// The query response shapes are the server's own (type-only: nothing of the lens runs here).
export type {
  Alternative,
  AssertionResult,
  KeyResult,
  QueryResponse,
} from "../lens/query-response.ts";

/** `GET /v1/history`: every assertion of one key in seq order, retractions included. */
export interface HistoryParams {
  concept: string;
  predicate: string;
  limit?: number;
  cursor?: string;
}

export interface HistoryResponse {
  concept: string;
  predicate: string;
  items: StoredAssertionView[];
  tree_size: number;
  next_cursor: string | null;
}

/** `GET /v1/proof/inclusion/:id`. */
export interface InclusionProof {
  leaf_index: number;
  tree_size: number;
  audit_path: string[];
  root: string;
}

/** `GET /v1/proof/consistency`. */
export interface ConsistencyProof {
  from: number;
  to: number;
  proof: string[];
}

/** `GET/PUT /v1/agents[/:key]` (admin). */
export interface AgentEntry {
  agent: string;
  name: string | null;
  trust: number | null;
  allowed: boolean;
  /** SPEC §12: `operator` keys may write redactions. */
  role?: "agent" | "operator";
  updated_at?: number;
  [key: string]: unknown;
}

export interface AgentList {
  agents: AgentEntry[];
  next_cursor: string | null;
}

export interface AgentFields {
  name?: string | null;
  trust?: number | null;
  allowed?: boolean;
  role?: "agent" | "operator";
}

/** `GET /v1/quarantine` filters (admin); `status` defaults to the pending queue. */
export interface QuarantineParams {
  status?: "quarantined" | "released" | "rejected" | "all";
  agent?: string;
  reason?: string;
  concept?: string;
  since?: number;
  limit?: number;
  cursor?: string;
}

export interface QuarantineItem {
  id: string;
  seq: number;
  status: RecordStatus;
  reasons: string[];
  received_at: number;
  assertion: Assertion;
}

export interface QuarantinePage {
  items: QuarantineItem[];
  next_cursor: string | null;
  /** Items matching the filters on all pages. */
  total: number;
}

export type Health = {
  status: string;
  version?: string;
  tree_size?: number;
  root?: string;
  /** SPEC §12: redacted assertions and the scrub backlog (`archive_backlog` null: not scrubbed by this server). */
  redactions?: { redacted: number; local_backlog: number; archive_backlog: number | null };
} & Record<string, unknown>;
