/**
 * `StemeClient`: the TypeScript SDK for StemeDB's HTTP API (SPEC §3, §4). It
 * runs wherever `fetch` does — no server modules, no native crypto: signing
 * goes through @noble/ed25519 (`src/protocol/sign.ts`), so an agent embedding
 * it checks nothing with the server's own code. Every non-2xx answer becomes a
 * `StemeClientError` carrying the problem+json `code`, `field` and status.
 *
 * Proofs come back as the server sent them; check them locally with
 * `verifyTreeHead`, `verifyInclusionProof` and `verifyConsistencyProof`.
 */
import type { Assertion, UnsignedAssertion } from "../protocol/assertion.ts";
import { signAssertion } from "../protocol/sign.ts";
import { errorFromResponse, StemeClientError } from "./client-error.ts";
import type {
  AgentEntry,
  AgentFields,
  AgentList,
  AnyAssertionView,
  AssertReceipt,
  BatchReceipt,
  ConsistencyProof,
  Health,
  HistoryParams,
  HistoryResponse,
  InclusionProof,
  QuarantineItem,
  QuarantinePage,
  QuarantineParams,
  QueryParams,
  QueryResponse,
  SignedTreeHead,
} from "./client-types.ts";
import { type AssertionVerdict, isRedactedView, verifyAssertionView } from "./verify-assertion.ts";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface StemeClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:18180`. */
  baseUrl: string;
  /** A fetch implementation (default: the global `fetch`). */
  fetch?: FetchLike;
  /** Bearer token for the admin endpoints (agents, quarantine). */
  adminToken?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
}

type Query = Record<string, string | number | boolean | undefined>;

const HEX_64 = /^[0-9a-f]{64}$/;

export class StemeClient {
  readonly baseUrl: string;
  readonly #fetch: FetchLike;
  readonly #adminToken: string | undefined;
  readonly #headers: Record<string, string>;

  constructor(options: StemeClientOptions) {
    if (typeof options?.baseUrl !== "string") {
      throw new TypeError("options.baseUrl must be a URL string, e.g. http://127.0.0.1:18180");
    }
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`options.baseUrl is not a valid URL: ${options.baseUrl}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`options.baseUrl must be http(s), got ${url.protocol}`);
    }
    this.baseUrl = url.href.replace(/\/+$/, "");
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#adminToken = options.adminToken;
    this.#headers = options.headers ?? {};
  }

  /**
   * Sends one signed assertion (→ its receipt, `status` accepted, quarantined
   * or duplicate) or a batch (→ one result per item; a bad item is rejected
   * alone). With `proof: true` a single receipt also carries its audit path.
   */
  assert(assertion: Assertion, options?: { proof?: boolean }): Promise<AssertReceipt>;
  assert(assertions: Assertion[]): Promise<BatchReceipt>;
  assert(input: Assertion | Assertion[], options: { proof?: boolean } = {}): Promise<unknown> {
    if (typeof input !== "object" || input === null) {
      throw new TypeError("assert() takes a signed assertion object or an array of them");
    }
    const query = !Array.isArray(input) && options.proof ? { proof: 1 } : {};
    return this.#request("POST", "/v1/assert", {
      query,
      body: JSON.stringify(input),
      contentType: "application/json",
    });
  }

  /** Signs `unsigned` (or each of an array) with the agent's 32-byte seed, then sends it. */
  signAndAssert(unsigned: UnsignedAssertion, secretKey: Uint8Array): Promise<AssertReceipt>;
  signAndAssert(unsigned: UnsignedAssertion[], secretKey: Uint8Array): Promise<BatchReceipt>;
  signAndAssert(
    unsigned: UnsignedAssertion | UnsignedAssertion[],
    secretKey: Uint8Array,
  ): Promise<unknown> {
    if (Array.isArray(unsigned)) {
      return this.assert(unsigned.map((u) => signAssertion(u, secretKey)));
    }
    return this.assert(signAssertion(unsigned, secretKey));
  }

  /**
   * Bulk ingest as `application/x-ndjson`: one assertion per line, sent as
   * given (a line that does not parse comes back rejected as `bad_json`).
   */
  assertNdjson(lines: string | readonly string[]): Promise<BatchReceipt> {
    const body = typeof lines === "string" ? lines : `${lines.join("\n")}\n`;
    return this.#request("POST", "/v1/assert", { body, contentType: "application/x-ndjson" });
  }

  /** SPEC §4 query, sent as `POST /v1/query` so numbers stay JSON numbers. */
  query(params: QueryParams): Promise<QueryResponse> {
    return this.#request("POST", "/v1/query", {
      body: JSON.stringify(dropUndefined(params)),
      contentType: "application/json",
    });
  }

  /**
   * One stored assertion, exactly as signed, with its seq and status; a
   * redacted one (SPEC §12) as its seq and the redaction that removed it.
   */
  get(id: string): Promise<AnyAssertionView> {
    return this.#request("GET", `/v1/assertions/${checkId(id)}`);
  }

  /**
   * Fetches an assertion and checks it locally under the verifier rule
   * (SPEC §12, `verifyAssertionView`): a present body must hash to its id
   * and carry its agent's signature; an absent one needs a later redaction of
   * that id by an operator key (`trustedOperators`, else reported).
   */
  async verifyAssertion(
    id: string,
    options: { trustedOperators?: ReadonlySet<string> } = {},
  ): Promise<AssertionVerdict> {
    const view = await this.get(id);
    const redaction =
      isRedactedView(view) && view.redaction !== null
        ? await this.get(view.redaction.id)
        : undefined;
    return verifyAssertionView(id, view, redaction, options.trustedOperators);
  }

  /** Every assertion of one (concept, predicate) in seq order, retractions included. */
  history(params: HistoryParams): Promise<HistoryResponse> {
    return this.#request("GET", "/v1/history", { query: { ...params } });
  }

  /** The current signed tree head. */
  root(): Promise<SignedTreeHead> {
    return this.#request("GET", "/v1/merkle/root");
  }

  /** Audit path of assertion `id` in the tree of `treeSize` leaves (default: the current tree). */
  inclusionProof(id: string, treeSize?: number): Promise<InclusionProof> {
    return this.#request("GET", `/v1/proof/inclusion/${checkId(id)}`, {
      query: { tree_size: treeSize },
    });
  }

  /** RFC 6962 consistency proof between tree sizes `from` ≤ `to`. */
  consistencyProof(from: number, to: number): Promise<ConsistencyProof> {
    return this.#request("GET", "/v1/proof/consistency", { query: { from, to } });
  }

  health(): Promise<Health> {
    return this.#request("GET", "/v1/health");
  }

  /** Admin: the agent registry, in key order. */
  listAgents(params: { cursor?: string; limit?: number } = {}): Promise<AgentList> {
    return this.#request("GET", "/v1/agents", { query: params, admin: true });
  }

  /** Admin: one registry entry. */
  getAgent(key: string): Promise<AgentEntry> {
    return this.#request("GET", `/v1/agents/${checkId(key, "key")}`, { admin: true });
  }

  /** Admin: merges `fields` into the agent's registry entry (creating it). */
  putAgent(key: string, fields: AgentFields): Promise<AgentEntry> {
    return this.#request("PUT", `/v1/agents/${checkId(key, "key")}`, {
      body: JSON.stringify(fields),
      contentType: "application/json",
      admin: true,
    });
  }

  /** Admin: the quarantine review queue (by default the items awaiting review), oldest first. */
  listQuarantine(params: QuarantineParams = {}): Promise<QuarantinePage> {
    return this.#request("GET", "/v1/quarantine", { query: { ...params }, admin: true });
  }

  /** Admin: release (make visible) or reject (keep for audit) a quarantined assertion. */
  reviewQuarantined(id: string, decision: "release" | "reject"): Promise<QuarantineItem> {
    if (decision !== "release" && decision !== "reject") {
      throw new TypeError(`decision must be "release" or "reject", got ${String(decision)}`);
    }
    return this.#request("POST", `/v1/quarantine/${checkId(id)}/${decision}`, { admin: true });
  }

  async #request<T>(
    method: string,
    path: string,
    opts: { query?: Query; body?: string; contentType?: string; admin?: boolean } = {},
  ): Promise<T> {
    const url = this.baseUrl + path + queryString(opts.query);
    const headers: Record<string, string> = { accept: "application/json", ...this.#headers };
    if (opts.contentType !== undefined) headers["content-type"] = opts.contentType;
    if (opts.admin) {
      if (this.#adminToken === undefined) {
        throw new StemeClientError("unauthorized", `${method} ${path} needs adminToken`, {
          status: 0,
        });
      }
      headers.authorization = `Bearer ${this.#adminToken}`;
    }
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        headers,
        ...(opts.body === undefined ? {} : { body: opts.body }),
      });
    } catch (cause) {
      throw new StemeClientError(
        "network_error",
        `cannot reach ${this.baseUrl}: ${(cause as Error)?.message ?? String(cause)}`,
        { cause },
      );
    }
    const text = await res.text();
    if (!res.ok) throw errorFromResponse(res, text);
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new StemeClientError(
        "bad_response",
        `${method} ${path}: HTTP ${res.status} answer is not JSON`,
        { status: res.status, cause },
      );
    }
  }
}

function checkId(id: string, name = "id"): string {
  if (typeof id !== "string" || !HEX_64.test(id)) {
    throw new TypeError(`${name} must be 64 lowercase hex chars, got ${JSON.stringify(id)}`);
  }
  return id;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function queryString(query: Query | undefined): string {
  if (query === undefined) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}
