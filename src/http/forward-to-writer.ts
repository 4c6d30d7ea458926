/**
 * What an HTTP thread does with a request its read routes do not answer
 * (SPEC §11): it sends it to the writer's thread. A `POST /v1/assert` body is
 * read and prepared here first (./prepared-body.ts); a prepared write then
 * takes the write fast path (./write-fast-path.ts) when it can, and travels
 * as the whole request otherwise (./forwarding.ts), as does everything else.
 */
import type { Config } from "../config.ts";
import type { BunServerLike } from "./client-ip.ts";
import {
  type ForwardedRequest,
  type ForwardedResponse,
  forwardedRequest,
  forwardedResponse,
} from "./forwarding.ts";
import type { Metrics } from "./metrics.ts";
import { prepareBody } from "./prepared-body.ts";
import { ASSERT_PATH, type WriteFastPath } from "./write-fast-path.ts";

export interface ForwardToWriterOptions {
  config: Pick<Config, "maxBatch" | "maxSkewMs" | "maxValueBytes" | "maxBodyBytes">;
  /** This thread's registry and name (the `thread` label of its counts). */
  metrics: Metrics;
  /** Sends a request to the writer's thread, with the buffers to transfer; resolves with its answer. */
  forward: (request: ForwardedRequest, transfer: ArrayBuffer[]) => Promise<ForwardedResponse>;
  /** Prepared writes without the writer's middleware chain; none: every write goes whole. */
  fastWrite?: WriteFastPath;
  /** Server time for the clock-skew check of prepared writes (ms since the Unix epoch). */
  now: () => number;
}

/** `(request, server, path)` → the writer thread's answer. */
export type ToWriter = (request: Request, server: BunServerLike, path: string) => Promise<Response>;

export function forwardToWriter(options: ForwardToWriterOptions): ToWriter {
  const { config, metrics, forward, fastWrite, now } = options;
  const thread = { thread: metrics.thread };
  return async (request, server, path) => {
    const started = performance.now();
    metrics.forwarded.inc(thread);
    const ip = server.requestIP(request)?.address ?? "unknown";
    const f = await forwardedRequest(request, ip, config.maxBodyBytes);
    // A write is validated and verified here; the writer's thread gets it prepared.
    if (path === ASSERT_PATH && request.method === "POST" && f.body !== null && !f.bodyFailed) {
      const prepared = prepareBody(request, f.body, config, now());
      if (prepared !== undefined) {
        metrics.preparedWrites.inc(thread);
        const answered = fastWrite?.(request, server, prepared, started);
        if (answered !== undefined) return answered;
        f.prepared = prepared;
        f.body = null;
      }
    }
    const transfer = f.prepared ? [f.prepared.items] : f.body === null ? [] : [f.body];
    return forwardedResponse(await forward(f, transfer));
  };
}
