/**
 * The HTTP API of SPEC §3 as one Hono app: middleware (request id, metrics,
 * access log), the route modules, and the one error mapper behind `onError` and
 * `notFound`. Wiring only; each route lives in ./routes/<area>.ts.
 */
import { type Context, Hono } from "hono";
import { systemClock } from "../clock.ts";
import { dashboardRoutes } from "../dashboard/dashboard-routes.tsx";
import { StemeError } from "../errors.ts";
import { IngestService } from "../ingest/ingest-service.ts";
import { accessLog } from "./access-log.ts";
import type { AppDeps, RouteDeps } from "./app-deps.ts";
import { problemResponse } from "./error-mapper.ts";
import type { HttpEnv } from "./http-env.ts";
import { httpMetrics } from "./http-metrics.ts";
import { Metrics } from "./metrics.ts";
import { minTreeSize } from "./min-tree-size.ts";
import { rateLimiters } from "./rate-limit.ts";
import { requestId } from "./request-id.ts";
import { agentRoutes } from "./routes/agents.ts";
import { assertRoutes } from "./routes/assert.ts";
import { assertionRoutes } from "./routes/assertions.ts";
import { healthRoutes } from "./routes/health.ts";
import { merkleRoutes } from "./routes/merkle.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { quarantineRoutes } from "./routes/quarantine.ts";
import { queryRoutes } from "./routes/query.ts";
import { securityHeaders } from "./security-headers.ts";
import { SERVER_VERSION } from "./server-version.ts";

export type { AppDeps } from "./app-deps.ts";

/** The read routes that take `min_tree_size`. */
const READ_PATHS = [
  "/v1/query",
  "/v1/history",
  "/v1/assertions/*",
  "/v1/merkle/root",
  "/v1/proof/*",
];

/** The request id, even for an error raised before the request-id middleware ran. */
const idOf = (c: Context<HttpEnv>): string => c.get("requestId") ?? crypto.randomUUID();

export function createApp(deps: AppDeps): Hono<HttpEnv> {
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? new Metrics(SERVER_VERSION);
  const ingest = new IngestService({
    engine: deps.engine,
    config: deps.config,
    clock,
    guards: deps.guards ?? [],
    ...(deps.pool ? { pool: deps.pool } : {}),
    onOutcome: (status) => metrics.ingested.inc({ status }),
  });
  const routeDeps: RouteDeps = {
    engine: deps.engine,
    config: deps.config,
    logger: deps.logger,
    clock,
    metrics,
    ingest,
    agentBreakers: deps.agentBreakers ?? { openCount: () => 0 },
    archive: deps.archive,
    startedAt: performance.now(),
  };
  const { logger } = deps;
  const app = new Hono<HttpEnv>();

  app.use(requestId());
  app.use(securityHeaders());
  app.use(httpMetrics({ metrics: routeDeps.metrics }));
  app.use(accessLog({ logger }));
  // Per-IP rate limits (SPEC §6), before the routes and so before any admin token check.
  const limiters = rateLimiters({ config: deps.config, clock, onLimited: metrics.rateLimitedHit });
  for (const [path, limiter] of limiters) app.use(path, limiter);
  // Reads wait for `min_tree_size` (SPEC §10) after the rate limits, before the routes.
  const waitForSize = minTreeSize({ engine: deps.engine, waitMs: deps.config.minTreeSizeWaitMs });
  for (const path of READ_PATHS) app.use(path, waitForSize);

  app.route("/", assertRoutes(routeDeps));
  app.route("/", assertionRoutes(routeDeps));
  app.route("/", queryRoutes(routeDeps));
  app.route("/", merkleRoutes(routeDeps));
  app.route("/", healthRoutes(routeDeps));
  app.route("/", metricsRoutes(routeDeps));
  app.route("/", agentRoutes(routeDeps, { adminToken: deps.adminToken }));
  app.route("/", quarantineRoutes(routeDeps, { adminToken: deps.adminToken }));
  app.route("/", dashboardRoutes());

  app.notFound((c) =>
    problemResponse(
      new StemeError("not_found", `no route for ${c.req.method} ${c.req.path}`),
      idOf(c),
      logger,
    ),
  );
  app.onError((error, c) => problemResponse(error, idOf(c), logger));
  return app;
}
