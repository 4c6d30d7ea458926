/** Messages between the ingest service and its prepare workers (plain, structured-clonable data). */
import type { ErrorCode, ErrorContext } from "../errors.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import type { PrepareLimits } from "../protocol/prepare.ts";

export interface PrepareJob {
  job: number;
  docs: unknown[];
  limits: PrepareLimits;
}

export type PrepareResult =
  | { ok: true; prepared: PreparedAssertion }
  | { ok: false; code: ErrorCode; message: string; context: ErrorContext };

export interface PrepareReply {
  job: number;
  results: PrepareResult[];
}
