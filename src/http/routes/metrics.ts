/** `GET /metrics` (SPEC §3): Prometheus text exposition, engine gauges read at scrape time. */
import { Hono } from "hono";
import type { RouteDeps } from "../app-deps.ts";
import type { HttpEnv } from "../http-env.ts";

export function metricsRoutes(deps: RouteDeps): Hono<HttpEnv> {
  const { engine, metrics, agentBreakers } = deps;
  const app = new Hono<HttpEnv>();
  app.get("/metrics", async (c) => {
    metrics.observeEngine(engine);
    metrics.observeQuarantine(engine.state.quarantine);
    metrics.observeAgentBreakers(agentBreakers);
    const { body, contentType } = await metrics.exposition();
    return c.body(body, 200, { "content-type": contentType });
  });
  return app;
}
