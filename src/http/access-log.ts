/** One debug-level log line per request: method, path, status, time, request id. */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../logger.ts";
import type { HttpEnv } from "./http-env.ts";

export interface AccessLogOptions {
  logger: Logger;
}

export function accessLog(options: AccessLogOptions): MiddlewareHandler<HttpEnv> {
  const { logger } = options;
  return async (c, next) => {
    const started = performance.now();
    await next();
    logger.debug("http", {
      request_id: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 100) / 100,
    });
  };
}
