/**
 * Per-client-IP rate limits per endpoint class (SPEC §6): token buckets
 * (`TokenBuckets`) with capacity = rate × `rateBurstSeconds`, refilled
 * continuously; a rate of 0 turns the class off. Every limited response
 * carries the fields of draft-ietf-httpapi-ratelimit-headers (-11, Structured
 * Field syntax, RFC 9651):
 *
 *   RateLimit-Policy: "query";q=200000;w=2     quota q per window w seconds
 *   RateLimit: "query";r=199999;t=1            r left; t = seconds until the bucket is full
 *
 * and a refusal is a 429 problem+json `rate_limited` with `Retry-After` (the
 * seconds until a token is back; then `t` equals it, as the draft's §6 asks).
 * Health, readiness, liveness and `/metrics` are never limited: monitors and
 * orchestrators must always get through.
 */
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import { SharedTokenBuckets } from "../defense/shared-token-buckets.ts";
import { type TakeResult, TokenBuckets, type TokenTaker } from "../defense/token-bucket.ts";
import { StemeError } from "../errors.ts";
import { clientIp } from "./client-ip.ts";
import type { HttpEnv } from "./http-env.ts";

export type RateClass = "assert" | "query" | "admin";

/**
 * Bucket tables in shared memory, one per class, handed to every thread that
 * serves HTTP (SPEC §11), so each client has one budget across threads.
 */
export type RateBuffers = Readonly<Record<RateClass, SharedArrayBuffer>>;

export function allocateRateBuffers(): RateBuffers {
  return {
    assert: SharedTokenBuckets.allocate(),
    query: SharedTokenBuckets.allocate(),
    admin: SharedTokenBuckets.allocate(),
  };
}

/** The routes of each class (Hono path patterns). Admin limits run before the token check. */
export const RATE_LIMITED_ROUTES: Readonly<Record<RateClass, readonly string[]>> = Object.freeze({
  assert: ["/v1/assert"],
  query: ["/v1/query", "/v1/history", "/v1/assertions/*", "/v1/proof/*", "/v1/merkle/root"],
  admin: ["/v1/agents", "/v1/agents/*", "/v1/quarantine", "/v1/quarantine/*"],
});

export interface RateLimitOptions {
  rateClass: RateClass;
  /** Requests per second per client IP; 0 turns the limit off. */
  ratePerSecond: number;
  burstSeconds: number;
  clock: Clock;
  trustProxyHops: number;
  maxKeys?: number;
  /** Keep the buckets in this shared table (`allocateRateBuffers`) instead of this thread's memory. */
  shared?: SharedArrayBuffer;
  /** Called once per refusal with the route template (metrics). */
  onLimited?: (rateClass: RateClass, route: string) => void;
}

/** `RateLimit-Policy` item: quota `q` per window `w` (whole seconds ≥ 1, as the draft requires). */
export function rateLimitPolicy(name: string, ratePerSecond: number, burstSeconds: number): string {
  const w = Math.max(1, Math.round(burstSeconds));
  return `"${name}";q=${Math.floor(ratePerSecond * w)};w=${w}`;
}

/** `RateLimit` item: `r` tokens left, `t` seconds (rounded up) of the effective window. */
export function rateLimitItem(name: string, remaining: number, seconds: number): string {
  return `"${name}";r=${Math.max(0, Math.floor(remaining))};t=${Math.max(0, Math.ceil(seconds))}`;
}

/** One class's buckets and the header values of its answers, for the middleware and the query fast path. */
export interface ClassLimiter {
  readonly rateClass: RateClass;
  /** The `RateLimit-Policy` value. */
  readonly policy: string;
  /** Takes a token from `ip`'s bucket. */
  take(ip: string): TakeResult;
  /** The `RateLimit` value after an allowed `take`. */
  item(taken: TakeResult): string;
}

/** The limiter of `options`; undefined when its rate is 0 (the class is not limited). */
export function classLimiter(options: RateLimitOptions): ClassLimiter | undefined {
  const { rateClass, ratePerSecond, burstSeconds } = options;
  if (ratePerSecond === 0) return undefined;
  const { clock, shared, maxKeys } = options;
  const buckets: TokenTaker =
    shared === undefined
      ? new TokenBuckets({
          ratePerSecond,
          burstSeconds,
          clock,
          ...(maxKeys === undefined ? {} : { maxKeys }),
        })
      : new SharedTokenBuckets({ ratePerSecond, burstSeconds, clock, buffer: shared });
  return {
    rateClass,
    policy: rateLimitPolicy(rateClass, ratePerSecond, burstSeconds),
    take: (ip) => buckets.take(ip),
    item: (taken) => rateLimitItem(rateClass, taken.remaining, taken.fullInS),
  };
}

/** The middleware over `limiter` (a pass-through when there is none). */
function limitMiddleware(
  limiter: ClassLimiter | undefined,
  options: Pick<RateLimitOptions, "ratePerSecond" | "trustProxyHops" | "onLimited">,
): MiddlewareHandler<HttpEnv> {
  if (limiter === undefined) return (_c, next) => next();
  const { ratePerSecond, trustProxyHops, onLimited } = options;
  const { rateClass, policy } = limiter;
  // A request matched by two of the class's patterns (`/v1/agents` and `/v1/agents/*`) pays once.
  const charged = new WeakSet<Request>();
  return async (c, next) => {
    if (charged.has(c.req.raw)) return next();
    charged.add(c.req.raw);
    const taken = limiter.take(clientIp(c, trustProxyHops));
    if (!taken.allowed) {
      const route = matchedRoutes(c).findLast((r) => r.method !== "ALL")?.path ?? "unmatched";
      onLimited?.(rateClass, route);
      throw new StemeError(
        "rate_limited",
        `too many ${rateClass} requests from this client: the limit is ${ratePerSecond}/s ` +
          `(STEMEDB_RATE_${rateClass.toUpperCase()}_PER_IP); retry after the Retry-After delay`,
        {
          retryAfterS: taken.retryAfterS,
          headers: {
            "ratelimit-policy": policy,
            ratelimit: rateLimitItem(rateClass, 0, taken.retryAfterS),
          },
        },
      );
    }
    await next();
    c.res.headers.set("RateLimit-Policy", policy);
    c.res.headers.set("RateLimit", limiter.item(taken));
  };
}

export interface RateLimitersOptions {
  config: Pick<
    Config,
    "rateAssertPerIp" | "rateQueryPerIp" | "rateAdminPerIp" | "rateBurstSeconds" | "trustProxyHops"
  >;
  clock: Clock;
  onLimited?: RateLimitOptions["onLimited"];
  /** Shared bucket tables, when several threads serve HTTP. */
  shared?: RateBuffers;
}

export interface RateLimiters {
  /** `[path pattern, middleware]` pairs for `app.use`. */
  routes: [string, MiddlewareHandler<HttpEnv>][];
  /** Each class's limiter (the very buckets the middleware takes from); undefined when off. */
  byClass: Record<RateClass, ClassLimiter | undefined>;
}

/** One limiter per class from the config, and its middleware for each of the class's routes. */
export function rateLimiters(options: RateLimitersOptions): RateLimiters {
  const { config, clock, onLimited, shared } = options;
  const rates: Record<RateClass, number> = {
    assert: config.rateAssertPerIp,
    query: config.rateQueryPerIp,
    admin: config.rateAdminPerIp,
  };
  const routes: [string, MiddlewareHandler<HttpEnv>][] = [];
  const byClass: Record<RateClass, ClassLimiter | undefined> = {
    assert: undefined,
    query: undefined,
    admin: undefined,
  };
  for (const rateClass of Object.keys(RATE_LIMITED_ROUTES) as RateClass[]) {
    const limitOptions: RateLimitOptions = {
      rateClass,
      ratePerSecond: rates[rateClass],
      burstSeconds: config.rateBurstSeconds,
      clock,
      trustProxyHops: config.trustProxyHops,
      ...(onLimited === undefined ? {} : { onLimited }),
      ...(shared === undefined ? {} : { shared: shared[rateClass] }),
    };
    const limiter = classLimiter(limitOptions);
    byClass[rateClass] = limiter;
    const middleware = limitMiddleware(limiter, limitOptions);
    for (const path of RATE_LIMITED_ROUTES[rateClass]) routes.push([path, middleware]);
  }
  return { routes, byClass };
}
