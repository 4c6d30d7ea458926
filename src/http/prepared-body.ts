/**
 * Writes prepared where they arrive (SPEC §11): an HTTP thread that is not the
 * writer's parses a `POST /v1/assert` body and validates, canonicalizes,
 * hashes and verifies each document itself, then hands the writer's thread
 * the results as one transferable buffer (`prepared-codec.ts`) in place of
 * the body. The HTTP thread then runs the middleware's part itself and sends
 * the writer the prepared write alone (./write-fast-path.ts); where that path
 * does not apply, the writer's app runs the same middleware and route, and the
 * route takes the prepared documents instead of reading a body (`preparedOf`).
 * Either way guards, the group commit and the answer are the writer's.
 *
 * Only what the route would accept is prepared here. A body the route would
 * refuse whole (415, 400 bad JSON, an empty or oversized batch, one over the
 * size limit) is forwarded as it came, so the writer answers it exactly as
 * before; a document that fails alone travels as its error.
 */
import type { Config } from "../config.ts";
import type { IngestInput } from "../ingest/ingest-service.ts";
import { prepareOne } from "../ingest/prepare-one.ts";
import { encodePrepared, type Prepared } from "../ingest/prepared-codec.ts";
import { prepareAssertion } from "../protocol/prepare.ts";
import { bodyKind, decodeUtf8, parseJsonBody } from "./json-body.ts";
import { parseNdjson } from "./ndjson-lines.ts";

export interface PreparedBody {
  /** A single JSON object (answered as one receipt) or a batch (JSON array, NDJSON). */
  shape: "single" | "batch";
  /** `encodePrepared` of one result per document, in body order. */
  items: ArrayBuffer;
}

type Limits = Pick<Config, "maxBatch" | "maxSkewMs" | "maxValueBytes" | "maxBodyBytes">;

/** The prepared form of an assert body, or undefined when the writer must see the body itself. */
export function prepareBody(
  request: Request,
  body: ArrayBuffer,
  config: Limits,
  nowMs: number,
): PreparedBody | undefined {
  if (body.byteLength > config.maxBodyBytes) return undefined;
  let shape: PreparedBody["shape"];
  let inputs: IngestInput[];
  try {
    const kind = bodyKind(request, ["json", "ndjson"]);
    if (kind === "ndjson") {
      shape = "batch";
      inputs = parseNdjson(new Uint8Array(body), config.maxBatch);
    } else {
      const doc = parseJsonBody(decodeUtf8(new Uint8Array(body)));
      shape = Array.isArray(doc) ? "batch" : "single";
      const values: unknown[] = Array.isArray(doc) ? doc : [doc];
      inputs = values.map((value): IngestInput => ({ ok: true, value }));
    }
  } catch {
    return undefined;
  }
  if (inputs.length === 0 || inputs.length > config.maxBatch) return undefined;
  const limits = { nowMs, maxSkewMs: config.maxSkewMs, maxValueBytes: config.maxValueBytes };
  const results: Prepared[] = [];
  for (const input of inputs) {
    const r: Prepared = input.ok
      ? prepareOne(input.value, limits, prepareAssertion)
      : { ok: false, error: input.error };
    if (!r.ok && r.error.code === "internal") return undefined; // the writer meets it and answers 500
    results.push(r);
  }
  return { shape, items: encodePrepared(results) };
}

/** The prepared body a forwarded request carries (in the app's `env`), if any. */
export function preparedOf(env: unknown): PreparedBody | undefined {
  return (env as { prepared?: PreparedBody } | undefined)?.prepared;
}
