/**
 * THE error mapper (STYLE.md §4, SPEC §3): the one table from a `StemeError`
 * code to an HTTP status, and the one function that turns any thrown value into
 * an RFC 9457 `application/problem+json` response with a stable `code`, a human
 * `detail`, the offending `field` where there is one, and the request id.
 * Anything that is not a `StemeError` is a bug: it is logged with its stack and
 * answered as 500 `internal` with a generic detail — never a stack trace, and
 * never a 5xx for something a client sent (client mistakes are StemeErrors).
 */
import { type ErrorCode, StemeError } from "../errors.ts";
import type { Logger } from "../logger.ts";

interface CodeSpec {
  status: number;
  title: string;
}

/** Code → status and a short, stable title (RFC 9457 §3.1.4). */
export const PROBLEM_TABLE: Readonly<Record<ErrorCode, CodeSpec>> = Object.freeze({
  bad_json: { status: 400, title: "Body is not valid JSON" },
  duplicate_key: { status: 400, title: "Duplicate member name" },
  bad_unicode: { status: 422, title: "Lone surrogate in a string" },
  invalid_field: { status: 422, title: "Invalid field" },
  unknown_field: { status: 422, title: "Unknown field" },
  missing_field: { status: 422, title: "Missing field" },
  bad_signature: { status: 422, title: "Bad signature" },
  value_too_large: { status: 422, title: "Value too large" },
  clock_skew: { status: 422, title: "Timestamp too far in the future" },
  unknown_target: { status: 422, title: "Retraction target unknown" },
  not_owner: { status: 422, title: "Retraction by another agent" },
  target_mismatch: { status: 422, title: "Retraction target mismatch" },
  empty_batch: { status: 422, title: "Empty batch" },
  batch_too_large: { status: 413, title: "Batch too large" },
  body_too_large: { status: 413, title: "Request body too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  missing_filter: { status: 422, title: "Query needs a filter" },
  not_found: { status: 404, title: "Not found" },
  bad_tree_size: { status: 422, title: "Tree size out of range" },
  bad_cursor: { status: 422, title: "Bad cursor" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  agent_not_registered: { status: 403, title: "Agent not registered" },
  agent_not_allowed: { status: 403, title: "Agent not allowed" },
  not_quarantined: { status: 409, title: "Assertion is not awaiting review" },
  rate_limited: { status: 429, title: "Too many requests" },
  agent_breaker_open: { status: 503, title: "Agent circuit breaker open" },
  operator_required: { status: 403, title: "Operator key required" },
  reserved_concept: { status: 422, title: "Reserved concept" },
  invalid_redaction: { status: 422, title: "Invalid redaction" },
  not_redactable: { status: 422, title: "Assertion cannot be redacted" },
  target_redacted: { status: 422, title: "Target is redacted" },
  key_is_admin_token: { status: 422, title: "Agent key is the admin token" },
  not_ready: { status: 503, title: "Not ready" },
  storage_unavailable: { status: 503, title: "Storage unavailable" },
  corrupt_segment: { status: 500, title: "Internal error" },
  bad_format_version: { status: 500, title: "Internal error" },
  config_invalid: { status: 500, title: "Internal error" },
  already_exists: { status: 500, title: "Internal error" },
  corrupt_backup: { status: 500, title: "Internal error" },
  backup_gap: { status: 500, title: "Internal error" },
  restore_point_unreachable: { status: 500, title: "Internal error" },
  backup_unavailable: { status: 500, title: "Internal error" },
  data_dir_not_empty: { status: 500, title: "Internal error" },
  archive_unavailable: { status: 503, title: "Archive unavailable" },
  log_behind_stream: { status: 503, title: "Node is behind the stream" },
  internal: { status: 500, title: "Internal error" },
});

/** RFC 9457 problem details plus StemeDB's stable members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  field?: string;
  request_id: string;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Seconds a client should wait on 429/503 when the error does not say (`context.retryAfterS`). */
const DEFAULT_RETRY_AFTER_S = 1;

export function problemType(code: ErrorCode): string {
  return `urn:stemedb:problem:${code}`;
}

/** The problem document and headers for `error`; logs what is not the client's fault. */
export function toProblem(
  error: unknown,
  requestId: string,
  logger: Logger,
): { problem: Problem; headers: Record<string, string> } {
  const steme = error instanceof StemeError ? error : undefined;
  const code: ErrorCode = steme?.code ?? "internal";
  const spec = PROBLEM_TABLE[code] ?? PROBLEM_TABLE.internal;
  const headers: Record<string, string> = { "content-type": PROBLEM_CONTENT_TYPE };
  let detail: string;
  if (spec.status >= 500 && spec.status !== 503) {
    // A bug or a storage fault: the operator reads the log, the client gets no internals.
    logger.error("request failed", {
      request_id: requestId,
      code,
      error: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    detail = `internal error; the server log has the details under request id ${requestId}`;
  } else {
    detail = steme?.message ?? "request failed";
    // Server-side refusals are the operator's business; a client's open breaker is not (no log flood).
    if (spec.status === 503 && code !== "agent_breaker_open")
      logger.warn("request refused", { request_id: requestId, code, detail });
  }
  const extra = steme?.context.headers;
  if (extra !== undefined && spec.status < 500) Object.assign(headers, extra);
  if (spec.status === 401) headers["www-authenticate"] = 'Bearer realm="stemedb"';
  if (spec.status === 429 || spec.status === 503) {
    const after = steme?.context.retryAfterS;
    headers["retry-after"] = String(
      typeof after === "number" && after > 0 ? Math.ceil(after) : DEFAULT_RETRY_AFTER_S,
    );
  }
  const problem: Problem = {
    type: problemType(code),
    title: spec.title,
    status: spec.status,
    code,
    detail,
    ...(steme?.field !== undefined && spec.status < 500 ? { field: steme.field } : {}),
    request_id: requestId,
  };
  return { problem, headers };
}

/** A complete problem+json `Response` for `error`. */
export function problemResponse(error: unknown, requestId: string, logger: Logger): Response {
  const { problem, headers } = toProblem(error, requestId, logger);
  headers["x-request-id"] = requestId;
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}
