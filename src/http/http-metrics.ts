/**
 * Counts every answered request and times it, labelled by the route template
 * (`/v1/assertions/:id`, never the concrete path) so label cardinality stays
 * bounded; requests that match no route count as `unmatched`.
 */
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { HttpEnv } from "./http-env.ts";
import type { Metrics, RequestTally } from "./metrics.ts";

export interface HttpMetricsOptions {
  metrics: Metrics;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);

export function httpMetrics(options: HttpMetricsOptions): MiddlewareHandler<HttpEnv> {
  const { metrics } = options;
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const last = matchedRoutes(c).findLast((r) => r.method !== "ALL");
      countRequest(metrics, c.req.method, last?.path ?? "unmatched", c.res.status, started);
    }
  };
}

/** Counts one answered request to `route` (a template), begun at `started` (`performance.now()`). */
export function countRequest(
  metrics: Metrics,
  requestMethod: string,
  route: string,
  status: number,
  started: number,
): void {
  const method = METHODS.has(requestMethod) ? requestMethod : "OTHER";
  metrics.requests.inc({ method, route, status: String(status) });
  metrics.threadRequests.inc({ thread: metrics.thread });
  metrics.requestDuration.observe({ method, route }, (performance.now() - started) / 1000);
}

/** What a fast path (query, write) counts a common answer with: a tally and the duration's labels, made once. */
export interface OkCounter {
  tally: RequestTally;
  durationLabels: { method: string; route: string };
}

export function okCounter(
  metrics: Metrics,
  route: string,
  method = "GET",
  status = "200",
): OkCounter {
  return {
    tally: metrics.requestTally({ method, route, status }),
    durationLabels: { method, route },
  };
}

/** `countRequest` of a request answered as `counter` says, without building labels. */
export function countOk(metrics: Metrics, counter: OkCounter, started: number): void {
  counter.tally.count++;
  metrics.requestDuration.observe(counter.durationLabels, (performance.now() - started) / 1000);
}
