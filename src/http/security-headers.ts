/**
 * Hardening headers on every response (SPEC §6, §8): the set of Hono's
 * `secureHeaders` (written out here, HSTS off), with `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`, `Cross-Origin-Resource-Policy: same-origin`,
 * a Content-Security-Policy that forbids everything (`default-src 'none';
 * frame-ancestors 'none'` — the API serves JSON, nothing a browser should
 * render), and `Cache-Control: no-store` (answers reflect a moving tree and
 * may be behind an admin token; no cache should keep them).
 *
 * A route that sets its own value keeps it: that is the
 * hook for the web dashboard, which needs its own CSP (scripts, styles) and
 * caching of static assets. HSTS is left to the TLS terminator (ops/nginx):
 * this server speaks plain HTTP and does not know the site's domain policy.
 * `keepAlive` adds the `Keep-Alive` hint (src/http/keep-alive.ts), set whatever
 * the route said.
 */
import type { MiddlewareHandler } from "hono";
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

/**
 * What Hono's `secureHeaders` sets with HSTS off and `X-Frame-Options: DENY`
 * (its defaults otherwise), written out once so that a response built whole
 * (the query fast path, ./query-fast-path.ts) carries exactly the same set.
 */
const HARDENING: readonly (readonly [string, string])[] = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "DENY"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
];

/** The headers a response gets where its route set none of its own (all but `Keep-Alive`). */
export function securityHeaderList(options: SecurityHeadersOptions = {}): [string, string][] {
  const list: [string, string][] = HARDENING.map(([name, value]) => [name, value]);
  list.push(["Content-Security-Policy", options.contentSecurityPolicy ?? API_CSP]);
  list.push(["Cache-Control", options.cacheControl ?? "no-store"]);
  return list;
}

export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler<HttpEnv> {
  const kept = securityHeaderList(options);
  return async (c, next) => {
    await next();
    addSecurityHeaders(c.res.headers, kept, options.keepAlive);
  };
}

/** Adds `kept` (`securityHeaderList`) where `headers` has none of its own, and `keepAlive`. */
export function addSecurityHeaders(
  headers: Headers,
  kept: readonly (readonly [string, string])[],
  keepAlive: string | undefined,
): void {
  for (const [name, value] of kept) if (!headers.has(name)) headers.set(name, value);
  headers.delete("X-Powered-By");
  if (keepAlive !== undefined) headers.set("Keep-Alive", keepAlive);
}
