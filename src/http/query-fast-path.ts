/**
 * `GET /v1/query` answered without the middleware chain (issue 17, deliverable
 * 4c): the same answer and the same response — status, body and every header
 * the chain sets (request id, security headers, `Keep-Alive`, `RateLimit`) —
 * built as one `Response` with all its headers, instead of a Hono context and
 * some fifteen header writes on a finished response; the same metrics counts.
 * What the chain does per request is done here by the same functions: the id
 * (`requestIdOf`), the client address (`clientIpOf`), the query class's own
 * buckets (`ClassLimiter`), the parameters (`parseQueryParams`, memoized per
 * query string: it is a pure function of it), the counts (`countRequest`;
 * a 200's as a plain number added to the counters when they are read).
 *
 * Anything out of the common case goes to the app untouched, before anything
 * is charged or counted: another method or path, a query string that does not
 * parse (the app answers the same error through the one error mapper), one
 * that names `min_tree_size` (the chain waits for it), and a refused rate-limit
 * take (a refusal spends no token, so the app's own take refuses it alike and
 * answers 429). An answer that fails after the take is mapped here by
 * `problemResponse`, with the headers the chain would add to it.
 */
import { getQueryParam } from "hono/utils/url";
import { parseQueryParams, type QueryParams } from "../lens/query-params.ts";
import type { Logger } from "../logger.ts";
import { type BunServerLike, clientIpOf } from "./client-ip.ts";
import { problemResponse } from "./error-mapper.ts";
import { countOk, countRequest, okCounter } from "./http-metrics.ts";
import type { Metrics } from "./metrics.ts";
import type { ClassLimiter } from "./rate-limit.ts";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-id.ts";
import { addSecurityHeaders } from "./security-headers.ts";

const PATH = "/v1/query";
/** Query strings whose parameters are remembered (first in, first out; ~250 KB at most). */
const MEMO_ENTRIES = 1024;

export interface QueryFastPathOptions {
  /** The query route's answer to `params` (this thread's answer cache): JSON text. */
  answer: (params: QueryParams) => string;
  /** Its content type. */
  contentType: string;
  /** The query class's limiter, the one the chain's middleware takes from; none when off. */
  limiter: ClassLimiter | undefined;
  trustProxyHops: number;
  /** What the security-headers middleware sets on a response without its own (`securityHeaderList`). */
  securityHeaders: readonly (readonly [string, string])[];
  /** The `Keep-Alive` value every response carries, if any. */
  keepAlive?: string;
  metrics: Metrics;
  logger: Logger;
}

/** A response to `request`, or undefined when the app must answer it. */
export type FastPath = (request: Request, server: unknown) => Response | undefined;

export function queryFastPath(options: QueryFastPathOptions): FastPath {
  const { answer, limiter, trustProxyHops, metrics, logger, keepAlive } = options;
  // Every header of a 200 but the request id and the RateLimit item, built once.
  const fixed = new Headers({ "Content-Type": options.contentType });
  for (const [name, value] of options.securityHeaders) fixed.set(name, value);
  if (keepAlive !== undefined) fixed.set("Keep-Alive", keepAlive);
  if (limiter !== undefined) fixed.set("RateLimit-Policy", limiter.policy);
  const memo = new Map<string, QueryParams>();
  const ok = okCounter(metrics, PATH);

  /** The parameters of the query string at `url[q]` (or none), or undefined for the app. */
  const paramsOf = (url: string, q: number): QueryParams | undefined => {
    const query = q < 0 ? "" : url.slice(q);
    const known = memo.get(query);
    if (known !== undefined) return known;
    if (query.includes("min_tree_size")) return undefined;
    let params: QueryParams;
    try {
      params = parseQueryParams(getQueryParam(url) as Record<string, string>, "query");
    } catch {
      return undefined;
    }
    if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value as string);
    memo.set(query, params);
    return params;
  };

  return (request, server) => {
    if (request.method !== "GET") return undefined;
    const url = request.url;
    const start = url.indexOf("/", 8);
    if (start < 0 || !url.startsWith(PATH, start)) return undefined;
    const q = start + PATH.length;
    if (q < url.length && url.charCodeAt(q) !== 63 /* ? */) return undefined;
    const started = performance.now();
    const params = paramsOf(url, q < url.length ? q : -1);
    if (params === undefined) return undefined;
    let item: string | undefined;
    if (limiter !== undefined) {
      const taken = limiter.take(clientIpOf(request, server as BunServerLike, trustProxyHops));
      if (!taken.allowed) return undefined;
      item = limiter.item(taken);
    }
    const id = requestIdOf(request);
    let response: Response;
    try {
      const headers = new Headers(fixed); // a copy: cheaper than building it from names
      headers.set(REQUEST_ID_HEADER, id);
      if (item !== undefined) headers.set("RateLimit", item);
      response = new Response(answer(params), { status: 200, headers });
    } catch (error) {
      response = problemResponse(error, id, logger);
      const headers = response.headers;
      if (limiter !== undefined && item !== undefined) {
        headers.set("RateLimit-Policy", limiter.policy);
        headers.set("RateLimit", item);
      }
      addSecurityHeaders(headers, options.securityHeaders, keepAlive);
      headers.set(REQUEST_ID_HEADER, id);
    }
    if (response.status === 200) countOk(metrics, ok, started);
    else countRequest(metrics, "GET", PATH, response.status, started);
    return response;
  };
}
