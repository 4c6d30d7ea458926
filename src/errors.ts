/**
 * The one error type of StemeDB. Library code throws `StemeError` with a stable
 * UPPER-level `code` (snake_case, part of the public API: clients branch on it);
 * the HTTP layer maps codes to statuses through the single table in
 * `src/http/error-mapper.ts`. Callers branch on `code`, never on message text.
 */

export type ErrorCode =
  // client input (SPEC §2, §3)
  | "bad_json"
  | "bad_unicode"
  | "duplicate_key"
  | "invalid_field"
  | "unknown_field"
  | "missing_field"
  | "bad_signature"
  | "value_too_large"
  | "clock_skew"
  | "unknown_target"
  | "not_owner"
  | "target_mismatch"
  | "empty_batch"
  | "batch_too_large"
  | "body_too_large"
  | "unsupported_media_type"
  | "missing_filter"
  | "not_found"
  | "bad_tree_size"
  | "bad_cursor"
  | "unauthorized"
  | "forbidden"
  | "agent_not_registered"
  | "agent_not_allowed"
  | "not_quarantined"
  | "rate_limited"
  | "agent_breaker_open"
  // redaction (SPEC §12)
  | "operator_required"
  | "reserved_concept"
  | "invalid_redaction"
  | "not_redactable"
  | "target_redacted"
  | "key_is_admin_token"
  // server side
  | "not_ready"
  | "storage_unavailable"
  | "corrupt_segment"
  | "bad_format_version"
  | "config_invalid"
  // backup, archive and restore (SPEC §7)
  | "already_exists"
  | "corrupt_backup"
  | "backup_gap"
  | "restore_point_unreachable"
  | "backup_unavailable"
  | "data_dir_not_empty"
  | "archive_unavailable"
  // cluster mode (SPEC §10)
  | "log_behind_stream"
  | "internal";

/** Context that helps an operator find the problem: never secrets, never whole payloads. */
export interface ErrorContext {
  field?: string;
  segment?: string;
  offset?: number;
  lsn?: number;
  /** Seconds a client should wait (429/503 → `Retry-After`). */
  retryAfterS?: number;
  /** Extra response headers for the HTTP answer (e.g. the `RateLimit` fields of a 429). */
  headers?: Record<string, string>;
  [key: string]: unknown;
}

export class StemeError extends Error {
  override readonly name = "StemeError";
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.field = context.field;
    this.context = context;
  }
}

export function isStemeError(e: unknown, code?: ErrorCode): e is StemeError {
  return e instanceof StemeError && (code === undefined || e.code === code);
}
