/**
 * What every StemeDB app is made of, whichever thread serves it (SPEC §11):
 * the middleware (request id, security headers, metrics, access log, per-IP
 * rate limits, the `min_tree_size` wait on reads) in front of the given
 * routes, and the one error mapper behind `onError` and `notFound`; in front
 * of it all, the fast path of GET /v1/query (./query-fast-path.ts), which
 * answers as the chain would; beside it, given `sendWrite`, the fast path of
 * prepared writes (./write-fast-path.ts), which an HTTP thread calls on the
 * writes it prepared. The main thread's app and a reader thread's app are both
 * built here, so they answer alike.
 */
import { type Context, Hono } from "hono";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import { StemeError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { accessLog } from "./access-log.ts";
import { problemResponse } from "./error-mapper.ts";
import type { HttpEnv } from "./http-env.ts";
import { httpMetrics } from "./http-metrics.ts";
import { keepAliveHeader } from "./keep-alive.ts";
import type { Metrics } from "./metrics.ts";
import { type MinTreeSizeOptions, minTreeSize, READ_PATHS } from "./min-tree-size.ts";
import { type QueryFastPathOptions, queryFastPath } from "./query-fast-path.ts";
import { type RateBuffers, rateLimiters } from "./rate-limit.ts";
import { requestId } from "./request-id.ts";
import { QUERY_CONTENT_TYPE } from "./routes/query.ts";
import { securityHeaderList, securityHeaders } from "./security-headers.ts";
import { type WriteFastPath, type WriteFastPathOptions, writeFastPath } from "./write-fast-path.ts";

export interface AppShellOptions {
  config: Config;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  /** What reads wait on for `min_tree_size` (SPEC §10): the engine, or a reader's snapshot. */
  reads: MinTreeSizeOptions["reads"];
  /** Per-IP buckets shared with the other threads serving HTTP (SPEC §11); default: this thread's own. */
  rateBuffers?: RateBuffers;
  /** The query route's answer (`queryAnswerer`): with it, GET /v1/query takes the fast path. */
  answerQuery?: QueryFastPathOptions["answer"];
  /** Hands a prepared write to the writer's thread: with it, the shell has a `fastWrite`. */
  sendWrite?: WriteFastPathOptions["send"];
}

/** The app, and the fast path of prepared writes when `sendWrite` was given (and the access log is off). */
export interface Shell {
  app: Hono<HttpEnv>;
  fastWrite?: WriteFastPath;
}

/** The request id, even for an error raised before the request-id middleware ran. */
const idOf = (c: Context<HttpEnv>): string => c.get("requestId") ?? crypto.randomUUID();

export function appShell(options: AppShellOptions, routes: readonly Hono<HttpEnv>[]): Shell {
  const { config, logger, clock, metrics, reads, rateBuffers } = options;
  const app = new Hono<HttpEnv>();

  const keepAlive = keepAliveHeader(config);
  app.use(requestId());
  app.use(securityHeaders({ keepAlive }));
  app.use(httpMetrics({ metrics }));
  // One debug line per request; with debug off the middleware is left out
  // (tests/bench/http-costs.ts: ~1.3 µs per request, plus a step of the chain).
  const accessLogged = logger.enabled?.("debug") ?? true;
  if (accessLogged) app.use(accessLog({ logger }));
  // Per-IP rate limits (SPEC §6), before the routes and so before any admin token check.
  const limiters = rateLimiters({
    config,
    clock,
    onLimited: metrics.rateLimitedHit,
    ...(rateBuffers === undefined ? {} : { shared: rateBuffers }),
  });
  for (const [path, limiter] of limiters.routes) app.use(path, limiter);
  // Reads wait for `min_tree_size` (SPEC §10) after the rate limits, before the routes.
  const waitForSize = minTreeSize({ reads, waitMs: config.minTreeSizeWaitMs });
  for (const path of READ_PATHS) app.use(path, waitForSize);

  for (const r of routes) app.route("/", r);

  app.notFound((c) =>
    problemResponse(
      new StemeError("not_found", `no route for ${c.req.method} ${c.req.path}`),
      idOf(c),
      logger,
    ),
  );
  app.onError((error, c) => problemResponse(error, idOf(c), logger));

  // GET /v1/query in one step (./query-fast-path.ts); the access log, when on, sees every request.
  if (options.answerQuery !== undefined && !accessLogged) {
    const fast = queryFastPath({
      answer: options.answerQuery,
      contentType: QUERY_CONTENT_TYPE,
      limiter: limiters.byClass.query,
      trustProxyHops: config.trustProxyHops,
      securityHeaders: securityHeaderList(),
      keepAlive,
      metrics,
      logger,
    });
    const honoFetch = app.fetch;
    app.fetch = (request, env, executionCtx) =>
      fast(request, env) ?? honoFetch(request, env, executionCtx);
  }
  if (options.sendWrite === undefined || accessLogged) return { app };
  const fastWrite = writeFastPath({
    send: options.sendWrite,
    limiter: limiters.byClass.assert,
    trustProxyHops: config.trustProxyHops,
    securityHeaders: securityHeaderList(),
    keepAlive,
    metrics,
  });
  return { app, fastWrite };
}
