/**
 * The one error the SDK throws for a failed call. A server answer that is not
 * 2xx carries an RFC 9457 problem+json body (SPEC §3); its stable `code` (the
 * server's `StemeError` code: `bad_signature`, `missing_filter`, …), `field`
 * and request id are lifted onto the error so callers branch on `code`, never
 * on message text. Failures before an answer exist too: `network_error` when
 * the server cannot be reached, `bad_response` when the answer is not the
 * JSON the protocol promises.
 */

/** An RFC 9457 problem document as StemeDB sends it; unknown members are kept. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  field?: string;
  request_id?: string;
  [key: string]: unknown;
}

export class StemeClientError extends Error {
  override readonly name = "StemeClientError";
  /** The server's stable error code, or `network_error` / `bad_response`. */
  readonly code: string;
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number;
  /** The offending field, when the server named one (`sig`, `evidence[3]`). */
  readonly field: string | undefined;
  readonly requestId: string | undefined;
  /** Seconds from a `Retry-After` header (429, 503), when there was one. */
  readonly retryAfter: number | undefined;
  /** The whole problem document, when there was one. */
  readonly problem: Problem | undefined;

  constructor(
    code: string,
    message: string,
    init: {
      status?: number;
      field?: string | undefined;
      requestId?: string | undefined;
      retryAfter?: number | undefined;
      problem?: Problem | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.status = init.status ?? 0;
    this.field = init.field;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.problem = init.problem;
  }
}

export function isStemeClientError(e: unknown, code?: string): e is StemeClientError {
  return e instanceof StemeClientError && (code === undefined || e.code === code);
}

/** Builds the error for a non-2xx answer from its (possibly non-JSON) body. */
export function errorFromResponse(res: Response, body: string): StemeClientError {
  let problem: Problem | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      problem = parsed as Problem;
    }
  } catch {
    problem = undefined;
  }
  const retry = Number(res.headers.get("retry-after"));
  const code = typeof problem?.code === "string" ? problem.code : `http_${res.status}`;
  const detail =
    typeof problem?.detail === "string"
      ? problem.detail
      : `HTTP ${res.status} ${res.statusText}`.trim();
  const requestId =
    (typeof problem?.request_id === "string" ? problem.request_id : undefined) ??
    res.headers.get("x-request-id") ??
    undefined;
  return new StemeClientError(code, detail, {
    status: res.status,
    field: typeof problem?.field === "string" ? problem.field : undefined,
    requestId,
    retryAfter: Number.isFinite(retry) && res.headers.has("retry-after") ? retry : undefined,
    problem,
  });
}
