/**
 * Reading recorded assertions (SPEC §3): one by id (a redacted one as
 * `{id, seq, status: "redacted", redaction}`, SPEC §12), and the full history of one
 * key (concept, predicate) in seq order — every status, retractions included —
 * paged by an opaque cursor (the last seq returned).
 */
import { Hono } from "hono";
import { StemeError } from "../../errors.ts";
import type { ReadRouteDeps } from "../app-deps.ts";
import { assertionView, redactedView } from "../assertion-view.ts";
import type { HttpEnv } from "../http-env.ts";
import { hexParam, intParam, requiredParam, seqCursorParam } from "../params.ts";

export const HISTORY_DEFAULT_LIMIT = 100;
export const HISTORY_MAX_LIMIT = 1000;

export function assertionRoutes(deps: ReadRouteDeps): Hono<HttpEnv> {
  const { reads } = deps;
  const app = new Hono<HttpEnv>();

  app.get("/v1/assertions/:id", (c) => {
    const id = hexParam(c.req.param("id"), "id");
    const row = reads.getAssertion(id);
    if (row === undefined) {
      const redacted = reads.getRedacted(id);
      if (redacted !== undefined) return c.json(redactedView(redacted));
      throw new StemeError("not_found", "no assertion with this id is recorded", { field: "id" });
    }
    return c.json(assertionView(row));
  });

  app.get("/v1/history", (c) => {
    const concept = requiredParam(c.req.query("concept"), "concept");
    const predicate = requiredParam(c.req.query("predicate"), "predicate");
    const limit =
      intParam(c.req.query("limit"), "limit", { min: 1, max: HISTORY_MAX_LIMIT }) ??
      HISTORY_DEFAULT_LIMIT;
    const after = seqCursorParam(c.req.query("cursor"));
    const rows = reads.history(concept, predicate, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return c.json({
      concept,
      predicate,
      items: page.map(assertionView),
      tree_size: reads.tree.size,
      next_cursor: rows.length > limit && last !== undefined ? String(last.seq) : null,
    });
  });

  return app;
}
