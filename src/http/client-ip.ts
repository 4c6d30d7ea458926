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
  if (trustProxyHops > 0) {
    const chain = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const hop = chain[chain.length - trustProxyHops];
    if (hop !== undefined) return hop;
  }
  const server = c.env as BunServerLike | undefined;
  return server?.requestIP?.(c.req.raw)?.address ?? "unknown";
}
