/**
 * `POST /v1/assert` (SPEC §3): one assertion (a JSON object), a batch (a JSON
 * array) or NDJSON (one per line). Each item is validated and its signature
 * verified (`prepareAssertion`) before anything reaches the engine; the valid
 * ones go to `engine.ingest` as one group, which resolves only after their
 * records are fsynced and applied — so every answer here is a durable receipt.
 *
 * A single bad assertion is a problem response (422 …); in a batch a bad item
 * is rejected alone and the rest are recorded.
 */
import { Hono } from "hono";
import type { ItemOutcome } from "../../engine/plan.ts";
import { isStemeError, StemeError } from "../../errors.ts";
import { toHex } from "../../hex.ts";
import type { SignedTreeHead } from "../../merkle/tree-head.ts";
import type { PreparedAssertion } from "../../protocol/assertion.ts";
import { prepareAssertion } from "../../protocol/prepare.ts";
import type { RouteDeps } from "../app-deps.ts";
import type { HttpEnv } from "../http-env.ts";
import { bodyKind, decodeUtf8, parseJsonBody } from "../json-body.ts";
import { type ParsedLine, parseNdjson } from "../ndjson-lines.ts";
import { flagParam } from "../params.ts";
import { readBody } from "../read-body.ts";

interface ItemError {
  code: string;
  detail: string;
  field: string | null;
}

export interface BatchItemResult {
  index: number;
  id: string | null;
  seq: number | null;
  status: "accepted" | "quarantined" | "duplicate" | "rejected";
  error?: ItemError;
}

export interface BatchResponse {
  results: BatchItemResult[];
  accepted: number;
  duplicates: number;
  quarantined: number;
  rejected: number;
  tree_size: number;
  sth: SignedTreeHead;
}

const itemError = (e: StemeError): ItemError => ({
  code: e.code,
  detail: e.message,
  field: e.field ?? null,
});

export function assertRoutes(deps: RouteDeps): Hono<HttpEnv> {
  const { engine, config, metrics } = deps;
  /** prepareAssertion, counting a failure as a rejected submission. */
  const prepare = (doc: unknown, nowMs: number): PreparedAssertion => {
    try {
      return prepareAssertion(doc, {
        nowMs,
        maxSkewMs: config.maxSkewMs,
        maxValueBytes: config.maxValueBytes,
      });
    } catch (e) {
      if (isStemeError(e)) metrics.ingested.inc({ status: "rejected" });
      throw e;
    }
  };

  async function single(doc: unknown, withProof: boolean): Promise<Response> {
    const prepared = prepare(doc, deps.clock.now());
    const { outcomes, sth } = await engine.ingest([prepared]);
    const outcome = outcomes[0] as ItemOutcome;
    metrics.ingested.inc({ status: outcome.status });
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
    return Response.json(body, { status: outcome.status === "duplicate" ? 200 : 201 });
  }

  async function batch(items: ParsedLine[]): Promise<BatchResponse> {
    if (items.length === 0) {
      throw new StemeError("empty_batch", "the batch holds no assertions; send at least one");
    }
    if (items.length > config.maxBatch) {
      throw new StemeError(
        "batch_too_large",
        `the batch holds ${items.length} assertions; at most ${config.maxBatch} per request (STEMEDB_MAX_BATCH)`,
        { limit: config.maxBatch },
      );
    }
    const results: BatchItemResult[] = new Array(items.length);
    const prepared: PreparedAssertion[] = [];
    const slots: number[] = [];
    const nowMs = deps.clock.now();
    items.forEach((item, index) => {
      try {
        if (!item.ok) throw item.error;
        prepared.push(prepare(item.value, nowMs));
        slots.push(index);
      } catch (e) {
        if (!isStemeError(e)) throw e;
        if (!item.ok) metrics.ingested.inc({ status: "rejected" });
        results[index] = { index, id: null, seq: null, status: "rejected", error: itemError(e) };
      }
    });
    let sth: SignedTreeHead;
    if (prepared.length > 0) {
      const ingested = await engine.ingest(prepared);
      sth = ingested.sth;
      ingested.outcomes.forEach((o, i) => {
        const index = slots[i] as number;
        metrics.ingested.inc({ status: o.status });
        results[index] =
          o.status === "rejected"
            ? { index, id: o.id, seq: null, status: "rejected", error: itemError(o.error) }
            : { index, id: o.id, seq: o.seq, status: o.status };
      });
    } else {
      sth = engine.treeHead();
    }
    const count = (s: BatchItemResult["status"]) => results.filter((r) => r.status === s).length;
    return {
      results,
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
    const kind = bodyKind(c.req.raw, ["json", "ndjson"]);
    const withProof = flagParam(c.req.query("proof"), "proof");
    const body = await readBody(c.req.raw, config.maxBodyBytes);
    if (kind === "ndjson") return c.json(await batch(parseNdjson(body)));
    const doc = parseJsonBody(decodeUtf8(body));
    if (Array.isArray(doc)) {
      return c.json(await batch(doc.map((value): ParsedLine => ({ ok: true, value }))));
    }
    return single(doc, withProof);
  });
  return app;
}
