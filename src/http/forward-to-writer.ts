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
  forwardedBody,
  forwardedRequest,
  forwardedResponse,
} from "./forwarding.ts";
import type { Metrics } from "./metrics.ts";
import { type PreparedBody, prepareBody } from "./prepared-body.ts";
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
    const body = await forwardedBody(request, config.maxBodyBytes);
    // A write is validated and verified here; the writer's thread gets it prepared.
    let prepared: PreparedBody | undefined;
    if (path === ASSERT_PATH && request.method === "POST" && body.body !== null) {
      prepared = prepareBody(request, body.body, config, now());
      if (prepared !== undefined) {
        metrics.preparedWrites.inc(thread);
        const answered = fastWrite?.(request, server, prepared, started);
        if (answered !== undefined) return answered;
      }
    }
    const ip = server.requestIP(request)?.address ?? "unknown";
    const f = forwardedRequest(request, ip, prepared ? { body: null, bodyFailed: false } : body);
    if (prepared !== undefined) f.prepared = prepared;
    const transfer = f.prepared ? [f.prepared.items] : f.body === null ? [] : [f.body];
    return forwardedResponse(await forward(f, transfer));
  };
}
