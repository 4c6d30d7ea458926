/**
 * Worker entry of a reader thread (SPEC §11): its own `Bun.serve` on the main
 * thread's host and port (`reusePort`: the kernel spreads connections over the
 * threads), its own read-only SQLite connection, and the read routes built by
 * the same factories, middleware and error mapper as the main app. Anything
 * else is forwarded to the main thread (./forwarding.ts). Its log lines and
 * its per-thread metrics go to the main thread too, so there is one log and
 * one `/metrics`. In the compiled binary this file is an extra entry point of
 * `bun build` (package.json "build").
 */
import type { Server } from "bun";
import { ReadSnapshot } from "../engine/read-snapshot.ts";
import type { Logger, LogLevel } from "../logger.ts";
import { loadOrCreateNodeKey } from "../merkle/node-key.ts";
import { ChangeSlots } from "../store/change-slots.ts";
import { ReadState } from "../store/read-state.ts";
import { createReaderApp } from "./app.ts";
import { type ForwardedResponse, forwardedRequest, forwardedResponse } from "./forwarding.ts";
import { answerBeforeTimeout } from "./keep-alive.ts";
import { Metrics } from "./metrics.ts";
import { prepareBody } from "./prepared-body.ts";
import { BODY_LIMIT_SLACK } from "./read-body.ts";
import type { FromReader, ToReader } from "./reader-messages.ts";
import { SERVER_VERSION } from "./server-version.ts";

declare const self: Worker;

const ASSERT_PATH = "/v1/assert";

const post = (message: FromReader, transfer: ArrayBuffer[] = []) =>
  self.postMessage(message, transfer);

/** Log lines go to the main thread's logger, tagged with this thread's name; only `levels` are posted. */
function forwardingLogger(levels: readonly LogLevel[], thread: string): Logger {
  const kept = new Set(levels);
  const emit = (lvl: LogLevel) => (msg: string, ctx?: Record<string, unknown>) => {
    if (!kept.has(lvl)) return;
    try {
      post({ kind: "log", level: lvl, msg, ctx: { ...ctx, thread } });
    } catch {
      post({ kind: "log", level: lvl, msg, ctx: { detail: String(ctx), thread } });
    }
  };
  return {
    enabled: (lvl) => kept.has(lvl),
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
  };
}

/** The path of a request URL (`http://host/path?query` → `/path`) without building a URL object. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.indexOf("?", start);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

interface Running {
  server: Server<undefined>;
  snapshot: ReadSnapshot;
  metrics: Metrics;
  logger: Logger;
}

let running: Running | undefined;
/** Set by a `start` with `testHooks` (tests only): `crash` is honoured. */
let testHooks = false;
const waiting = new Map<number, (response: ForwardedResponse) => void>();
let nextId = 1;

function start(message: Extract<ToReader, { kind: "start" }>): Running {
  const { name, config, port, dbPath, rateBuffers, logLevels, changes } = message;
  const logger = forwardingLogger(logLevels, name);
  const snapshot = new ReadSnapshot(
    ReadState.open(dbPath, { cacheMiB: config.readerCacheMib }),
    loadOrCreateNodeKey(config.dataDir).signer,
  );
  const metrics = new Metrics(SERVER_VERSION, name);
  const { app, isReadRoute } = createReaderApp({
    reads: snapshot,
    config,
    logger,
    metrics,
    ...(rateBuffers ? { rateBuffers } : {}),
    ...(changes ? { changes: new ChangeSlots(changes) } : {}),
  });
  const forward = async (request: Request, ip: string, path: string): Promise<Response> => {
    metrics.forwarded.inc({ thread: name });
    const f = await forwardedRequest(request, ip, config.maxBodyBytes);
    // A write is validated and verified here; the writer's thread gets it prepared.
    if (path === ASSERT_PATH && request.method === "POST" && f.body !== null && !f.bodyFailed) {
      const prepared = prepareBody(request, f.body, config, Date.now());
      if (prepared !== undefined) {
        f.prepared = prepared;
        f.body = null;
        metrics.preparedWrites.inc({ thread: name });
      }
    }
    const id = nextId++;
    const answered = new Promise<ForwardedResponse>((resolve) => waiting.set(id, resolve));
    const transfer = f.prepared ? [f.prepared.items] : f.body === null ? [] : [f.body];
    post({ kind: "request", id, request: f }, transfer);
    return forwardedResponse(await answered);
  };
  const server = Bun.serve({
    port,
    hostname: config.host,
    reusePort: true,
    idleTimeout: config.httpIdleTimeoutS,
    maxRequestBodySize: config.maxBodyBytes + BODY_LIMIT_SLACK,
    fetch: answerBeforeTimeout((request, srv) => {
      const path = pathOf(request.url);
      if (isReadRoute(request.method, path)) return app.fetch(request, srv);
      return forward(request, srv.requestIP(request)?.address ?? "unknown", path);
    }, config.httpIdleTimeoutS),
  });
  logger.info("reader thread listening", { port: server.port });
  return { server, snapshot, metrics, logger };
}

self.onmessage = async (event: MessageEvent<ToReader>) => {
  const message = event.data;
  switch (message.kind) {
    case "start":
      testHooks = message.testHooks === true;
      try {
        running = start(message);
        const { server } = running;
        post({ kind: "started", port: server.port as number, url: server.url.href });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException)?.code;
        post({
          kind: "failed",
          message: e instanceof Error ? e.message : String(e),
          ...(typeof code === "string" ? { code } : {}),
        });
      }
      return;
    case "response":
      waiting.get(message.id)?.(message.response);
      waiting.delete(message.id);
      return;
    case "metrics":
      post({
        kind: "metrics",
        id: message.id,
        metrics: (await running?.metrics.perThreadJson()) ?? [],
      });
      return;
    case "stop":
      if (running !== undefined) {
        await running.server.stop(false); // in-flight requests (forwarded ones too) finish first
        running.snapshot.close();
        running.logger.info("reader thread stopped");
        running = undefined;
      }
      post({ kind: "stopped" });
      return;
    case "crash":
      if (!testHooks) return;
      if (message.how === "exit") process.exit(70);
      setTimeout(() => {
        throw new Error("test hook: HTTP thread crashed");
      });
      return;
  }
};

// Imports above may finish with a top-level await (the WASM BLAKE3); the main
// thread sends nothing until it hears this.
post({ kind: "ready" });
