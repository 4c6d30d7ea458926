/**
 * The StemeErrors the segment log raises, one factory per code, so every
 * message names the segment file and byte offset and says what to do next
 * (STYLE: error messages that say how to fix the problem).
 */

import { type ErrorContext, StemeError } from "../errors.ts";

/** Damage that is not a torn tail of the newest segment: the log cannot be trusted past it. */
export function corruptSegment(segment: string, offset: number, reason: string): StemeError {
  return new StemeError(
    "corrupt_segment",
    `segment ${segment} is corrupt at byte offset ${offset}: ${reason}. ` +
      "Only the newest segment may end in a torn write; run `stemedb verify` for a full report " +
      "and restore the segment from a backup or the WAL archive.",
    { segment, offset },
  );
}

export function badFormatVersion(segment: string, reason: string): StemeError {
  return new StemeError("bad_format_version", `segment ${segment}: ${reason}`, {
    segment,
    offset: 8,
  });
}

/** A write, fsync or read of the log failed; `cause` keeps the system error (ENOSPC, EIO, …). */
export function storageUnavailable(
  what: string,
  cause: unknown,
  context: ErrorContext = {},
): StemeError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StemeError("storage_unavailable", `segment log: ${what}: ${detail}`, context, cause);
}
