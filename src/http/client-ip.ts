/**
 * The client address used for per-IP rate limits and logs. Without trusted
 * proxies it is the socket peer (Bun's `server.requestIP`); with
 * `trustProxyHops = n` it is the n-th address from the right of
 * X-Forwarded-For, the one our own nearest proxy saw — entries further left are
 * client-supplied and never trusted.
 */
import type { Context } from "hono";

/** Where the socket peer comes from: Bun's server, or a forwarded request's recorded peer. */
export interface BunServerLike {
  requestIP(req: Request): { address: string } | null;
}

export function clientIp(c: Context, trustProxyHops: number): string {
  return clientIpOf(c.req.raw, c.env as BunServerLike | undefined, trustProxyHops);
}

/** `clientIp` from the raw request and the server it came through (Hono's `env`). */
export function clientIpOf(
  request: Request,
  server: BunServerLike | undefined,
  trustProxyHops: number,
): string {
  if (trustProxyHops > 0) {
    const chain = (request.headers.get("x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const hop = chain[chain.length - trustProxyHops];
    if (hop !== undefined) return hop;
  }
  return server?.requestIP?.(request)?.address ?? "unknown";
}
