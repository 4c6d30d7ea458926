/**
 * `POST /v1/assert` (SPEC §3): one assertion (a JSON object), a batch (a JSON
 * array) or NDJSON (one per line). Parsing and reply shapes live here; the
 * IngestService validates, verifies, guards and commits, and resolves only after
 * the records are fsynced and applied — so every answer is a durable receipt.
 *
 * A single bad assertion is a problem response (422 …); in a batch a bad item
 * is rejected alone and the rest are recorded.
 */
import { Hono } from "hono";
import type { StemeError } from "../../errors.ts";
import { toHex } from "../../hex.ts";
import type { IngestInput, ItemResult, SubmitResult } from "../../ingest/ingest-service.ts";
import { decodePrepared } from "../../ingest/prepared-codec.ts";
import type { BatchItemResult, BatchResponse, ItemError } from "../../protocol/batch-receipt.ts";
import type { RouteDeps } from "../app-deps.ts";
import { clientIp } from "../client-ip.ts";
import type { HttpEnv } from "../http-env.ts";
import { bodyKind, decodeUtf8, parseJsonBody } from "../json-body.ts";
import { parseNdjson } from "../ndjson-lines.ts";
import { flagParam } from "../params.ts";
import { preparedOf } from "../prepared-body.ts";
import { readBody } from "../read-body.ts";

const itemError = (e: StemeError): ItemError => ({
  code: e.code,
  detail: e.message,
  field: e.field ?? null,
});

export function assertRoutes(deps: RouteDeps): Hono<HttpEnv> {
  const { engine, config, ingest } = deps;

  async function single(submitted: Promise<SubmitResult>, withProof: boolean): Promise<Response> {
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
      body.audit_path = engine.tree.inclusionProof(outcome.seq - 1, sth.tree_size).map(toHex);
    }
    const recorded = outcome.status === "accepted" || outcome.status === "quarantined";
    return Response.json(body, { status: recorded ? 201 : 200 });
  }

  async function batch(submitted: Promise<SubmitResult>): Promise<BatchResponse> {
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
    return {
      results: shaped,
      accepted: count("accepted"),
      duplicates: count("duplicate"),
      quarantined: count("quarantined"),
      rejected: count("rejected"),
      tree_size: sth.tree_size,
      sth,
    };
  }

  const app = new Hono<HttpEnv>();
  app.post("/v1/assert", async (c) => {
    const prepared = preparedOf(c.env);
    if (prepared !== undefined) {
      // Forwarded by another HTTP thread, which read and verified the body (SPEC §11).
      const withProof = flagParam(c.req.query("proof"), "proof");
      const ip = clientIp(c, config.trustProxyHops);
      const submitted = ingest.submitPrepared(decodePrepared(prepared.items), ip);
      if (prepared.shape === "batch") return c.json(await batch(submitted));
      return single(submitted, withProof);
    }
    const kind = bodyKind(c.req.raw, ["json", "ndjson"]);
    const withProof = flagParam(c.req.query("proof"), "proof");
    const body = await readBody(c.req.raw, config.maxBodyBytes);
    const ip = clientIp(c, config.trustProxyHops);
    if (kind === "ndjson") {
      return c.json(await batch(ingest.submit(parseNdjson(body, config.maxBatch), ip)));
    }
    const doc = parseJsonBody(decodeUtf8(body));
    if (Array.isArray(doc)) {
      const items = doc.map((value): IngestInput => ({ ok: true, value }));
      return c.json(await batch(ingest.submit(items, ip)));
    }
    return single(ingest.submit([{ ok: true, value: doc }], ip), withProof);
  });
  return app;
}
