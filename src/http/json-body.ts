/**
 * Request bodies as JSON (SPEC §2.2, §3): the media type is checked (415), the
 * body read within its limit (413), decoded as strict UTF-8 and parsed with the
 * protocol's `parseJsonText` (400 `bad_json`). I-JSON checks of assertions
 * (422 `bad_unicode`) run per item in `prepareAssertion`; other JSON bodies get
 * `assertIJson` here through `readJsonBody`.
 */
import { StemeError } from "../errors.ts";
import { assertIJson, parseJsonText } from "../protocol/json-input.ts";
import { readBody } from "./read-body.ts";

export type BodyKind = "json" | "ndjson";

const MEDIA_TYPES: Record<string, BodyKind> = {
  "application/json": "json",
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
  "application/jsonl": "ndjson",
};

/** The body kind of `request` among `accepted`, or 415 `unsupported_media_type`. */
export function bodyKind(request: Request, accepted: readonly BodyKind[]): BodyKind {
  const header = request.headers.get("content-type");
  const mediaType = header?.split(";")[0]?.trim().toLowerCase() ?? "";
  const kind = MEDIA_TYPES[mediaType];
  if (kind === undefined || !accepted.includes(kind)) {
    const wanted = Object.entries(MEDIA_TYPES)
      .filter(([, k]) => accepted.includes(k))
      .map(([t]) => t)
      .join(" or ");
    throw new StemeError(
      "unsupported_media_type",
      `Content-Type ${header === null ? "is missing" : `"${header}" is not accepted`}; send ${wanted}`,
      { field: "content-type" },
    );
  }
  return kind;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Strict UTF-8 (RFC 8259 §8.1); a leading BOM is dropped. Invalid bytes are 400 `bad_json`. */
export function decodeUtf8(bytes: Uint8Array, what = "body"): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new StemeError("bad_json", `${what} is not valid UTF-8`, {}, cause);
  }
}

/** Parses JSON text; a syntax error is 400 `bad_json`, an empty body too. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") throw new StemeError("bad_json", "body is empty; send a JSON document");
  return parseJsonText(text);
}

/** A JSON object body for non-assertion routes (query, agents): 415/413/400/422 as due. */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  bodyKind(request, ["json"]);
  const value = parseJsonBody(decodeUtf8(await readBody(request, maxBytes)));
  assertIJson(value);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StemeError("invalid_field", "body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
