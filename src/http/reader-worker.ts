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
import { forwardToWriter } from "./forward-to-writer.ts";
import type { ForwardedRequest, ForwardedResponse } from "./forwarding.ts";
import { answerBeforeTimeout } from "./keep-alive.ts";
import { MessageBatch } from "./message-batch.ts";
import { Metrics } from "./metrics.ts";
import { BODY_LIMIT_SLACK } from "./read-body.ts";
import type { FromReader, ToReader } from "./reader-messages.ts";
import { SERVER_VERSION } from "./server-version.ts";
import type { PreparedWrite, WriteAnswer } from "./write-fast-path.ts";

declare const self: Worker;

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
const writing = new Map<number, (answer: WriteAnswer) => void>();
let nextId = 1;

/** Forwards a request whole; the main thread's app answers it. */
function forward(request: ForwardedRequest, transfer: ArrayBuffer[]): Promise<ForwardedResponse> {
  const id = nextId++;
  const answered = new Promise<ForwardedResponse>((resolve) => waiting.set(id, resolve));
  post({ kind: "request", id, request }, transfer);
  return answered;
}

const writes = new MessageBatch<{ id: number; write: PreparedWrite }>((batch, transfer) =>
  post({ kind: "writes", writes: batch }, transfer),
);

/**
 * Sends a prepared write alone (./write-fast-path.ts); the main thread's route
 * answers it. Those of one turn go together (./message-batch.ts): posted one
 * by one, single POSTs measured 1.12–1.22× the server CPU per request in pairs.
 */
function sendWrite(write: PreparedWrite): Promise<WriteAnswer> {
  const id = nextId++;
  const answered = new Promise<WriteAnswer>((resolve) => writing.set(id, resolve));
  writes.add({ id, write }, write.items);
  return answered;
}

function start(message: Extract<ToReader, { kind: "start" }>): Running {
  const { name, config, port, dbPath, rateBuffers, logLevels, changes, fastWrites } = message;
  const logger = forwardingLogger(logLevels, name);
  const snapshot = new ReadSnapshot(
    ReadState.open(dbPath, { cacheMiB: config.readerCacheMib }),
    loadOrCreateNodeKey(config.dataDir).signer,
  );
  const metrics = new Metrics(SERVER_VERSION, name);
  const { app, isReadRoute, fastWrite } = createReaderApp({
    reads: snapshot,
    config,
    logger,
    metrics,
    ...(rateBuffers ? { rateBuffers } : {}),
    ...(changes ? { changes: new ChangeSlots(changes) } : {}),
    ...(fastWrites ? { sendWrite } : {}),
  });
  const toWriter = forwardToWriter({
    config,
    metrics,
    forward,
    ...(fastWrite ? { fastWrite } : {}),
    now: Date.now,
  });
  const server = Bun.serve({
    port,
    hostname: config.host,
    reusePort: true,
    idleTimeout: config.httpIdleTimeoutS,
    maxRequestBodySize: config.maxBodyBytes + BODY_LIMIT_SLACK,
    fetch: answerBeforeTimeout((request, srv) => {
      const path = pathOf(request.url);
      if (isReadRoute(request.method, path)) return app.fetch(request, srv);
      return toWriter(request, srv, path);
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
    case "written":
      for (const { id, answer } of message.answers) {
        writing.get(id)?.(answer);
        writing.delete(id);
      }
      return;
    case "metrics":
      post({
        kind: "metrics",
        id: message.id,
        metrics: (await running?.metrics.perThreadJson()) ?? [],
      });
      return;
    case "ping":
      post({ kind: "pong" });
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
      if (message.how === "hang") for (;;) {} // a bug's busy loop: only terminate() ends it
      setTimeout(() => {
        throw new Error("test hook: HTTP thread crashed");
      });
      return;
  }
};

// Imports above may finish with a top-level await (the WASM BLAKE3); the main
// thread sends nothing until it hears this.
post({ kind: "ready" });
