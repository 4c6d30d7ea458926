/**
 * `POST /v1/assert` (SPEC §3): one assertion (a JSON object), a batch (a JSON
 * array) or NDJSON (one per line). Parsing and reply shapes live here; the
 * IngestService validates, verifies, guards and commits, and resolves only after
 * the records are fsynced and applied — so every answer is a durable receipt.
 *
 * A single bad assertion is a problem response (422 …); in a batch a bad item
 * is rejected alone and the rest are recorded.
 *
 * A write another HTTP thread prepared reaches the writer either through the
 * app (`preparedOf`: the request was forwarded whole) or as a prepared write
 * alone (`preparedWriteAnswerer`, ../write-fast-path.ts: that thread ran the
 * middleware's part itself); both answer with `receipt`, so alike.
 */
import { Hono } from "hono";
import type { StemeError } from "../../errors.ts";
import { toHex } from "../../hex.ts";
import type { IngestInput, ItemResult, SubmitResult } from "../../ingest/ingest-service.ts";
import { decodePrepared } from "../../ingest/prepared-codec.ts";
import type { BatchItemResult, BatchResponse, ItemError } from "../../protocol/batch-receipt.ts";
import type { RouteDeps } from "../app-deps.ts";
import { clientIp } from "../client-ip.ts";
import { toProblem } from "../error-mapper.ts";
import type { HttpEnv } from "../http-env.ts";
import { bodyKind, decodeUtf8, parseJsonBody } from "../json-body.ts";
import { parseNdjson } from "../ndjson-lines.ts";
import { flagParam } from "../params.ts";
import { type PreparedBody, preparedOf } from "../prepared-body.ts";
import { readBody } from "../read-body.ts";
import type { PreparedWrite, WriteAnswer } from "../write-fast-path.ts";

type Shape = PreparedBody["shape"];

/**
 * The receipts' content types, as they have always been sent: a single
 * receipt's is `Response.json`'s, a batch's Hono's `c.json`'s.
 */
export const RECEIPT_CONTENT_TYPE: Readonly<Record<Shape, string>> = Object.freeze({
  single: "application/json;charset=utf-8",
  batch: "application/json",
});

/** A receipt before any header: its status and JSON text. */
export interface Receipt {
  status: number;
  json: string;
}

/** A receipt as the route's response (the middleware adds the rest of the headers). */
export function receiptResponse(shape: Shape, receipt: Receipt): Response {
  return new Response(receipt.json, {
    status: receipt.status,
    headers: { "content-type": RECEIPT_CONTENT_TYPE[shape] },
  });
}

const itemError = (e: StemeError): ItemError => ({
  code: e.code,
  detail: e.message,
  field: e.field ?? null,
});

/** The receipt of a submission: throws a single assertion's refusal (the error mapper answers it). */
function receiptOf(deps: Pick<RouteDeps, "engine">) {
  async function single(submitted: Promise<SubmitResult>, withProof: boolean): Promise<Receipt> {
    const { results, sth } = await submitted;
    const outcome = results[0] as ItemResult;
    if (outcome.status === "rejected") throw outcome.error;
    const body: Record<string, unknown> = {
      id: outcome.id,
      seq: outcome.seq,
      status: outcome.status,
      tree_size: sth.tree_size,
      sth,
    };
    if (outcome.reasons !== undefined && outcome.reasons.length > 0) body.reasons = outcome.reasons;
    if (withProof) {
      body.audit_path = deps.engine.tree.inclusionProof(outcome.seq - 1, sth.tree_size).map(toHex);
    }
    const recorded = outcome.status === "accepted" || outcome.status === "quarantined";
    return { status: recorded ? 201 : 200, json: JSON.stringify(body) };
  }

  async function batch(submitted: Promise<SubmitResult>): Promise<Receipt> {
    const { results, sth } = await submitted;
    const shaped = results.map(
      (r, index): BatchItemResult =>
        r.status === "rejected"
          ? { index, id: r.id, seq: null, status: "rejected", error: itemError(r.error) }
          : r.reasons !== undefined && r.reasons.length > 0
            ? { index, id: r.id, seq: r.seq, status: r.status, reasons: r.reasons }
            : { index, id: r.id, seq: r.seq, status: r.status },
    );
    const count = (s: BatchItemResult["status"]) => shaped.filter((r) => r.status === s).length;
    const body: BatchResponse = {
      results: shaped,
      accepted: count("accepted"),
      duplicates: count("duplicate"),
      quarantined: count("quarantined"),
      rejected: count("rejected"),
      tree_size: sth.tree_size,
      sth,
    };
    return { status: 200, json: JSON.stringify(body) };
  }

  return (shape: Shape, submitted: Promise<SubmitResult>, withProof: boolean): Promise<Receipt> =>
    shape === "batch" ? batch(submitted) : single(submitted, withProof);
}

/** The writer's side of a prepared write (../write-fast-path.ts): its receipt, or its problem. */
export type PreparedWriteAnswerer = (write: PreparedWrite) => Promise<WriteAnswer>;

/**
 * Answers a prepared write as the route answers a forwarded one; never
 * rejects: a refusal (or a bug) is mapped here by the one error mapper, with
 * the write's request id, and logged on this thread as the app would.
 */
export function preparedWriteAnswerer(
  deps: Pick<RouteDeps, "engine" | "ingest" | "logger">,
): PreparedWriteAnswerer {
  const receipt = receiptOf(deps);
  return async (write) => {
    try {
      const submitted = deps.ingest.submitPrepared(decodePrepared(write.items), write.ip);
      const { status, json } = await receipt(write.shape, submitted, write.withProof);
      return { status, body: json };
    } catch (e) {
      const { problem, headers } = toProblem(e, write.requestId, deps.logger);
      return { status: problem.status, body: JSON.stringify(problem), headers };
    }
  };
}

export function assertRoutes(deps: RouteDeps): Hono<HttpEnv> {
  const { config, ingest } = deps;
  const receipt = receiptOf(deps);
  const answer = async (shape: Shape, submitted: Promise<SubmitResult>, withProof = false) =>
    receiptResponse(shape, await receipt(shape, submitted, withProof));

  const app = new Hono<HttpEnv>();
  app.post("/v1/assert", async (c) => {
    const prepared = preparedOf(c.env);
    if (prepared !== undefined) {
      // Forwarded by another HTTP thread, which read and verified the body (SPEC §11).
      const withProof = flagParam(c.req.query("proof"), "proof");
      const ip = clientIp(c, config.trustProxyHops);
      const submitted = ingest.submitPrepared(decodePrepared(prepared.items), ip);
      return answer(prepared.shape, submitted, withProof);
    }
    const kind = bodyKind(c.req.raw, ["json", "ndjson"]);
    const withProof = flagParam(c.req.query("proof"), "proof");
    const body = await readBody(c.req.raw, config.maxBodyBytes);
    const ip = clientIp(c, config.trustProxyHops);
    if (kind === "ndjson") {
      return answer("batch", ingest.submit(parseNdjson(body, config.maxBatch), ip));
    }
    const doc = parseJsonBody(decodeUtf8(body));
    if (Array.isArray(doc)) {
      const items = doc.map((value): IngestInput => ({ ok: true, value }));
      return answer("batch", ingest.submit(items, ip));
    }
    return answer("single", ingest.submit([{ ok: true, value: doc }], ip), withProof);
  });
  return app;
}
