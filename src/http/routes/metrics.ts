/** `GET /metrics` (SPEC §3): Prometheus text exposition, engine gauges read at scrape time. */
import { Hono } from "hono";
import { redactionStatus } from "../../redaction/redaction-status.ts";
import type { RouteDeps } from "../app-deps.ts";
import { ArchiveMetrics } from "../archive-metrics.ts";
import type { HttpEnv } from "../http-env.ts";
import { RedactionMetrics } from "../redaction-metrics.ts";

export function metricsRoutes(deps: RouteDeps): Hono<HttpEnv> {
  const { engine, metrics, agentBreakers, archive } = deps;
  const archiveMetrics = archive ? new ArchiveMetrics(metrics.registry) : undefined;
  const redactionMetrics = new RedactionMetrics(metrics.registry);
  const app = new Hono<HttpEnv>();
  app.get("/metrics", async (c) => {
    redactionMetrics.observe(
      redactionStatus(engine.state, deps.redactionArchive?.backlog() ?? null),
    );
    metrics.observeEngine(engine);
    metrics.observeQuarantine(engine.state.quarantine);
    metrics.observeAgentBreakers(agentBreakers);
    if (archive) archiveMetrics?.observe(archive.status());
    const { body, contentType } = await metrics.exposition();
    return c.body(body, 200, { "content-type": contentType });
  });
  return app;
}
