/**
 * NDJSON bodies (SPEC §3 bulk ingest): one JSON document per line. Lines are
 * split on LF bytes (safe in UTF-8), a trailing CR is dropped and blank lines
 * are skipped. A line that is not valid UTF-8 or JSON does not fail the
 * request: it becomes a `bad_json` error in its slot, so it is rejected alone.
 */
import { isStemeError, StemeError } from "../errors.ts";
import type { IngestInput } from "../ingest/ingest-service.ts";
import { decodeUtf8, parseJsonBody } from "./json-body.ts";

export function parseNdjson(body: Uint8Array, maxItems: number): IngestInput[] {
  // Count first (a byte scan): an oversize batch costs no JSON parsing.
  const items = countItems(body);
  if (items > maxItems) {
    throw new StemeError(
      "batch_too_large",
      `the batch holds ${items} assertions; at most ${maxItems} per request (STEMEDB_MAX_BATCH)`,
      { limit: maxItems },
    );
  }
  const out: IngestInput[] = [];
  let start = 0;
  let lineNo = 0;
  while (start <= body.length) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    lineNo++;
    let stop = end;
    if (stop > start && body[stop - 1] === 0x0d) stop--;
    const bytes = body.subarray(start, stop);
    start = end + 1;
    if (isBlank(bytes)) continue;
    try {
      out.push({ ok: true, value: parseJsonBody(decodeUtf8(bytes, `line ${lineNo}`)) });
    } catch (e) {
      if (!isStemeError(e)) throw e;
      out.push({
        ok: false,
        error: new StemeError(e.code, `line ${lineNo}: ${e.message}`, { line: lineNo }),
      });
    }
  }
  return out;
}

function countItems(body: Uint8Array): number {
  let count = 0;
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    if (!isBlank(body.subarray(start, end))) count++;
    start = end + 1;
  }
  return count;
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}
