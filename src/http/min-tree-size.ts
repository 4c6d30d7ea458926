/**
 * `min_tree_size` on reads (SPEC §10): read-your-writes across nodes. A client
 * that wrote through node A passes its receipt's tree_size to node B; B waits,
 * at most `minTreeSizeWaitMs`, until it has applied that far, then answers —
 * or 503 `not_ready` with Retry-After. Absent, a read never waits. In single-
 * node mode a size the tree already has answers at once, as anywhere.
 */
import type { MiddlewareHandler } from "hono";
import type { HttpEnv } from "./http-env.ts";
import { intParam } from "./params.ts";

/** The read routes that take `min_tree_size`. */
export const READ_PATHS = [
  "/v1/query",
  "/v1/history",
  "/v1/assertions/*",
  "/v1/merkle/root",
  "/v1/proof/*",
];

export interface MinTreeSizeOptions {
  /** The engine on the main thread, a reader thread's snapshot on a reader (SPEC §11). */
  reads: { waitForTreeSize(size: number, timeoutMs: number): Promise<void> };
  waitMs: number;
}

export function minTreeSize(options: MinTreeSizeOptions): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const size = intParam(c.req.query("min_tree_size"), "min_tree_size", { min: 0 });
    if (size !== undefined) await options.reads.waitForTreeSize(size, options.waitMs);
    await next();
  };
}
