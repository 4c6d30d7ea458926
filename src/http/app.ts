/**
 * The HTTP API of SPEC §3 as Hono apps. `createApp` is the main thread's: every
 * route, over the engine (`createWriterApp` adds the writer's side of the
 * prepared writes an HTTP thread sends alone, ./write-fast-path.ts).
 * `createReaderApp` is a reader thread's (SPEC §11): the read routes only,
 * over its own snapshot of the state, and the HTTP thread's side of those
 * writes. All come from `appShell` (the same middleware and the one error
 * mapper) and the same route factories. Wiring only; each route lives in
 * ./routes/<area>.ts.
 */
import type { Hono } from "hono";
import { type Clock, systemClock } from "../clock.ts";
import type { Config } from "../config.ts";
import { dashboardRoutes } from "../dashboard/dashboard-routes.tsx";
import type { ReadSource } from "../engine/read-source.ts";
import { IngestService } from "../ingest/ingest-service.ts";
import { AnswerCache } from "../lens/answer-cache.ts";
import type { Logger } from "../logger.ts";
import type { ChangeSlots } from "../store/change-slots.ts";
import type { AppDeps, RouteDeps } from "./app-deps.ts";
import { appShell } from "./app-shell.ts";
import type { HttpEnv } from "./http-env.ts";
import { Metrics } from "./metrics.ts";
import type { RateBuffers } from "./rate-limit.ts";
import { agentRoutes } from "./routes/agents.ts";
import {
  assertRoutes,
  type PreparedWriteAnswerer,
  preparedWriteAnswerer,
} from "./routes/assert.ts";
import { backupRoutes } from "./routes/backup.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { quarantineRoutes } from "./routes/quarantine.ts";
import { queryAnswerer } from "./routes/query.ts";
import { type ReadRouteTest, readRoutes, readRouteTest } from "./routes/read-routes.ts";
import { SERVER_VERSION } from "./server-version.ts";
import type { WriteFastPath, WriteFastPathOptions } from "./write-fast-path.ts";

export type { AppDeps } from "./app-deps.ts";

export function createApp(deps: AppDeps): Hono<HttpEnv> {
  return createWriterApp(deps).app;
}

/** The writer thread's app, and its answer to the prepared writes HTTP threads send alone. */
export function createWriterApp(deps: AppDeps): {
  app: Hono<HttpEnv>;
  answerWrite: PreparedWriteAnswerer;
} {
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? new Metrics(SERVER_VERSION);
  const ingest = new IngestService({
    engine: deps.engine,
    config: deps.config,
    clock,
    guards: deps.guards ?? [],
    ...(deps.pool ? { pool: deps.pool } : {}),
    onOutcome: (status) => metrics.ingested.inc({ status }),
    ...archivedHook(deps),
  });
  const routeDeps: RouteDeps = {
    engine: deps.engine,
    reads: deps.engine,
    config: deps.config,
    logger: deps.logger,
    clock,
    metrics,
    ingest,
    agentBreakers: deps.agentBreakers ?? { openCount: () => 0 },
    archive: deps.archive,
    redactionArchive: deps.redactionArchive,
    httpThreads: deps.httpThreads,
    startedAt: performance.now(),
    answers: answerCache(deps.config, metrics, deps.changes),
  };
  const shell = {
    config: deps.config,
    logger: deps.logger,
    clock,
    metrics,
    reads: routeDeps.reads,
    ...(deps.queryFastPath === false ? {} : { answerQuery: queryAnswerer(routeDeps) }),
    ...(deps.rateBuffers === undefined ? {} : { rateBuffers: deps.rateBuffers }),
  };
  const { app } = appShell(shell, [
    assertRoutes(routeDeps),
    ...readRoutes(routeDeps),
    healthRoutes(routeDeps),
    backupRoutes(deps.backupListing),
    metricsRoutes(routeDeps),
    agentRoutes(routeDeps, { adminToken: deps.adminToken }),
    quarantineRoutes(routeDeps, { adminToken: deps.adminToken }),
    dashboardRoutes(),
  ]);
  return { app, answerWrite: preparedWriteAnswerer(routeDeps) };
}

export interface ReaderAppDeps {
  reads: ReadSource;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  clock?: Clock;
  rateBuffers?: RateBuffers;
  /** The writer's published changes, for this thread's answer cache. */
  changes?: ChangeSlots;
  /** Hands a prepared write to the writer's thread (`createWriterApp`'s `answerWrite` there). */
  sendWrite?: WriteFastPathOptions["send"];
}

/**
 * A reader thread's app: the read routes over `reads`, with the main app's
 * middleware, the test that says which requests it answers (the rest go
 * to the main thread), and with `sendWrite` the fast path of its prepared writes.
 */
export function createReaderApp(deps: ReaderAppDeps): {
  app: Hono<HttpEnv>;
  isReadRoute: ReadRouteTest;
  fastWrite?: WriteFastPath;
} {
  const { config, logger, metrics, rateBuffers } = deps;
  const clock = deps.clock ?? systemClock;
  const routeDeps = { ...deps, answers: answerCache(config, metrics, deps.changes) };
  const routes = readRoutes(routeDeps);
  const shell = {
    config,
    logger,
    clock,
    metrics,
    reads: deps.reads,
    answerQuery: queryAnswerer(routeDeps),
    ...(rateBuffers ? { rateBuffers } : {}),
    ...(deps.sendWrite ? { sendWrite: deps.sendWrite } : {}),
  };
  const { app, fastWrite } = appShell(shell, routes);
  return { app, isReadRoute: readRouteTest(routes), ...(fastWrite ? { fastWrite } : {}) };
}

/** This thread's answer cache (issue 17), counted in `metrics`. */
function answerCache(config: Config, metrics: Metrics, slots?: ChangeSlots): AnswerCache {
  return new AnswerCache({
    ...(slots === undefined ? {} : { slots }),
    maxBytes: config.queryCacheBytes,
    observer: metrics.queryCache,
  });
}

/** With `archiveSync`, writes are answered once the archive holds them (SPEC §7, §11). */
function archivedHook(deps: AppDeps): { archived?: (lsn: number) => Promise<void> } {
  const wait = deps.archive?.waitArchived?.bind(deps.archive);
  return deps.config.archiveSync && wait !== undefined ? { archived: wait } : {};
}
