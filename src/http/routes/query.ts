/**
 * `GET /v1/query` and `POST /v1/query` (SPEC §4): the same parameters from the
 * query string or a JSON body, parsed and answered by the lens module — the one
 * query path that HTTP, CLI and dashboard share, through this thread's answer
 * cache (src/lens/answer-cache.ts). Nothing lens-specific lives here.
 */
import { type Context, Hono } from "hono";
import { AnswerCache } from "../../lens/answer-cache.ts";
import { parseQueryParams, type QueryParams } from "../../lens/query-params.ts";
import type { ReadRouteDeps } from "../app-deps.ts";
import type { HttpEnv } from "../http-env.ts";
import { readJsonObject } from "../json-body.ts";

/** The content type of a query's answer. */
export const QUERY_CONTENT_TYPE = "application/json";

/** The JSON text answering `params` over `deps` (this thread's answer cache), for the route and the fast path. */
export function queryAnswerer(deps: ReadRouteDeps): (params: QueryParams) => string {
  const { reads } = deps;
  const options = { defaultTrust: deps.config.defaultTrust };
  const answers = deps.answers ?? new AnswerCache({ maxBytes: 0 });
  return (params) => answers.answer(reads, params, options);
}

export function queryRoutes(deps: ReadRouteDeps): Hono<HttpEnv> {
  const { reads, config } = deps;
  const answer = queryAnswerer(deps);
  const app = new Hono<HttpEnv>();
  const json = (c: Context<HttpEnv>, text: string) =>
    c.body(text, 200, { "Content-Type": QUERY_CONTENT_TYPE });

  // src/http/query-fast-path.ts answers most GETs before they get here, alike.
  app.get("/v1/query", (c) => {
    const params = parseQueryParams(c.req.query(), "query");
    return json(c, answer(params));
  });

  app.post("/v1/query", async (c) => {
    const body = await readJsonObject(c.req.raw, config.maxBodyBytes);
    const params = parseQueryParams(body, "json");
    // The query string's min_tree_size is awaited by the middleware; the body's here.
    if (params.min_tree_size !== undefined) {
      await reads.waitForTreeSize(params.min_tree_size, config.minTreeSizeWaitMs);
    }
    return json(c, answer(params));
  });

  return app;
}
