/**
 * Hardening headers on every response (SPEC §6, §8), on top of Hono's
 * `secureHeaders`: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`, `Cross-Origin-Resource-Policy: same-origin`,
 * a Content-Security-Policy that forbids everything (`default-src 'none';
 * frame-ancestors 'none'` — the API serves JSON, nothing a browser should
 * render), and `Cache-Control: no-store` (answers reflect a moving tree and
 * may be behind an admin token; no cache should keep them).
 *
 * A route that sets its own value keeps it (`overwrite: false`): that is the
 * hook for the web dashboard, which needs its own CSP (scripts, styles) and
 * caching of static assets. HSTS is left to the TLS terminator (ops/nginx):
 * this server speaks plain HTTP and does not know the site's domain policy.
 * `keepAlive` adds the `Keep-Alive` hint (src/http/keep-alive.ts).
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { HttpEnv } from "./http-env.ts";

export interface SecurityHeadersOptions {
  /** Default `default-src 'none'; frame-ancestors 'none'`. */
  contentSecurityPolicy?: string;
  /** Default `no-store`. */
  cacheControl?: string;
  /** A `Keep-Alive` header value (`timeout=N`) for every response; default none. */
  keepAlive?: string;
}

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler<HttpEnv> {
  const cacheControl = options.cacheControl ?? "no-store";
  const hono = secureHeaders({
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-origin",
    strictTransportSecurity: false,
    overwrite: false,
  });
  const csp = options.contentSecurityPolicy ?? API_CSP;
  const { keepAlive } = options;
  return async (c, next) => {
    await hono(c, next);
    const headers = c.res.headers;
    if (!headers.has("content-security-policy")) headers.set("Content-Security-Policy", csp);
    if (!headers.has("cache-control")) headers.set("Cache-Control", cacheControl);
    if (keepAlive !== undefined) headers.set("Keep-Alive", keepAlive);
  };
}
