/**
 * `X-Request-Id` on every response (SPEC §3). A sane incoming id (1–128 chars of
 * `[A-Za-z0-9._-]`, as proxies such as nginx and envoy send) is echoed so logs
 * correlate across hops; anything else is replaced by a fresh random one.
 */
import type { MiddlewareHandler } from "hono";
import type { HttpEnv } from "./http-env.ts";

export const REQUEST_ID_HEADER = "X-Request-Id";
const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface RequestIdOptions {
  /** Makes a new id (default: a random UUID). */
  generate?: () => string;
}

const randomId = () => crypto.randomUUID();

/** The id of `request`: its own sane `X-Request-Id`, else a new one from `generate`. */
export function requestIdOf(request: Request, generate: () => string = randomId): string {
  const incoming = request.headers.get(REQUEST_ID_HEADER);
  return incoming !== null && SANE_ID.test(incoming) ? incoming : generate();
}

export function requestId(options: RequestIdOptions = {}): MiddlewareHandler<HttpEnv> {
  const generate = options.generate ?? randomId;
  return async (c, next) => {
    const id = requestIdOf(c.req.raw, generate);
    c.set("requestId", id);
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, id);
  };
}
