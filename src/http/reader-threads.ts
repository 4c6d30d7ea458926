/**
 * The main thread's side of the HTTP threads (SPEC §11): starts them on the
 * port the main thread already listens on — or, when the writer's thread
 * serves no HTTP itself (`writerHttp` false, issue 17), on the configured
 * port, the first thread picking it (port 0) and the rest joining it —
 * answers what they forward through the main app, gathers their metrics for
 * `/metrics` and their log lines into the main logger, and stops them (each
 * drains its in-flight requests first).
 */
import type { Config } from "../config.ts";
import { StemeError } from "../errors.ts";
import { LOG_LEVELS, type Logger } from "../logger.ts";
import type { ChangeSlots } from "../store/change-slots.ts";
import { workerEntry } from "../worker-entry.ts";
import { type AppFetch, answerForwarded } from "./forwarding.ts";
import type { Metrics, MetricsJson } from "./metrics.ts";
import type { RateBuffers } from "./rate-limit.ts";
import type { FromReader, ToReader } from "./reader-messages.ts";

const ENTRY = workerEntry("http/reader-worker.ts", "reader-worker.ts", import.meta.url);

export interface ReaderThreadsOptions {
  count: number;
  config: Config;
  /**
   * The port the main thread listens on (with `reusePort`); undefined when
   * the threads own the port: the first listens on `config.port`, the rest on
   * the port it got.
   */
  port: number | undefined;
  dbPath: string;
  /** The main app's fetch, which answers forwarded requests. */
  fetch: AppFetch;
  logger: Logger;
  /** The main registry: each reader is added as a peer. */
  metrics: Metrics;
  /** The main app's rate-limit buckets: one budget per client across threads. */
  rateBuffers?: RateBuffers;
  /** The writer's published changes (shared memory), for each thread's answer cache. */
  changes?: ChangeSlots;
}

class ReaderThread {
  readonly name: string;
  readonly #worker: Worker;
  readonly #metricsWaiting = new Map<number, (m: MetricsJson) => void>();
  #nextId = 1;
  #alive = true;
  readonly #started = Promise.withResolvers<Listening>();
  readonly #stopped = Promise.withResolvers<void>();

  /** `port`: where to listen, once known (it rejects when an earlier thread failed to start). */
  constructor(name: string, options: ReaderThreadsOptions, port: Promise<number>) {
    this.name = name;
    port.catch(() => {}); // observed once the worker is ready (below); it may reject before
    const { config, dbPath, fetch, logger, rateBuffers, changes } = options;
    this.#worker = new Worker(ENTRY);
    const send = (message: ToReader, transfer: ArrayBuffer[] = []) =>
      this.#worker.postMessage(message, transfer);
    this.#worker.onmessage = (event: MessageEvent<FromReader>) => {
      const message = event.data;
      switch (message.kind) {
        case "ready":
          port.then(
            (at) =>
              send({
                kind: "start",
                name,
                config,
                port: at,
                dbPath,
                logLevels: LOG_LEVELS.filter((level) => logger.enabled?.(level) ?? true),
                ...(rateBuffers ? { rateBuffers } : {}),
                ...(changes ? { changes: changes.buffer } : {}),
              }),
            (e) => this.#started.reject(e),
          );
          return;
        case "started":
          return this.#started.resolve({ port: message.port, url: message.url });
        case "failed":
          return this.#started.reject(
            new StemeError(
              "internal",
              `HTTP thread ${name} failed to start: ${message.message}`,
              undefined,
              message.code === undefined ? undefined : { code: message.code },
            ),
          );
        case "request":
          answerForwarded(fetch, message.request, logger).then((response) =>
            send(
              { kind: "response", id: message.id, response },
              response.body === null ? [] : [response.body],
            ),
          );
          return;
        case "metrics":
          this.#metricsWaiting.get(message.id)?.(message.metrics);
          this.#metricsWaiting.delete(message.id);
          return;
        case "log":
          return logger[message.level](message.msg, message.ctx);
        case "stopped":
          return this.#stopped.resolve();
      }
    };
    this.#worker.onerror = (event) => {
      this.#alive = false;
      logger.error("reader thread failed", { thread: name, error: event.message });
      const error = new StemeError("internal", `reader thread ${name} failed: ${event.message}`);
      this.#started.reject(error);
      this.#stopped.resolve();
      for (const wake of this.#metricsWaiting.values()) wake([]);
      this.#metricsWaiting.clear();
    };
    this.#started.promise.catch(() => {}); // observed by `started()`
  }

  started(): Promise<Listening> {
    return this.#started.promise;
  }

  /** Its per-thread metrics; none from a thread that died. */
  metrics(): Promise<MetricsJson> {
    if (!this.#alive) return Promise.resolve([]);
    const id = this.#nextId++;
    const answered = new Promise<MetricsJson>((resolve) => this.#metricsWaiting.set(id, resolve));
    this.#worker.postMessage({ kind: "metrics", id } satisfies ToReader);
    return answered;
  }

  async stop(): Promise<void> {
    await this.#started.promise.catch(() => {}); // a message sent before "ready" could be lost
    if (this.#alive) this.#worker.postMessage({ kind: "stop" } satisfies ToReader);
    await this.#stopped.promise;
    this.#alive = false;
    this.#worker.terminate();
  }
}

/** Where a thread listens. */
export interface Listening {
  port: number;
  url: string;
}

export class ReaderThreads {
  readonly #threads: ReaderThread[];
  /** Resolves with the number of HTTP threads that listen. */
  readonly ready: Promise<number>;
  /** Resolves once every thread listens, with the first's port and URL; rejects with the first failure. */
  readonly listening: Promise<Listening>;

  private constructor(threads: ReaderThread[], options: ReaderThreadsOptions) {
    this.#threads = threads;
    this.ready = Promise.all(
      threads.map((t) =>
        t.started().then(
          () => {
            options.metrics.addPeer(() => t.metrics());
            return 1;
          },
          (e) => {
            options.logger.error("HTTP thread did not start", {
              thread: t.name,
              error: String(e),
            });
            return 0;
          },
        ),
      ),
    ).then((started) => started.reduce((a: number, b: number) => a + b, 0));
    this.listening = Promise.all(threads.map((t) => t.started())).then(([first]) => {
      if (first === undefined) throw new StemeError("internal", "no HTTP thread to listen");
      return first;
    });
    this.listening.catch(() => {}); // observed by the caller that owns the port
  }

  /**
   * Starts `count` HTTP threads in the background (loading a worker takes
   * ~0.5 s; they load in parallel). Beside a listening main thread
   * (`options.port` given) startup never waits for them: `ready` resolves
   * with how many listen, and one that fails to start is logged and left out.
   * Without one, the first thread listens on `config.port` and the others are
   * told the port it got; the caller awaits `listening`.
   */
  static launch(options: ReaderThreadsOptions): ReaderThreads {
    const threads: ReaderThread[] = [];
    const known = options.port;
    for (let i = 1; i <= options.count; i++) {
      const first = threads[0];
      const port =
        known !== undefined
          ? Promise.resolve(known)
          : first === undefined
            ? Promise.resolve(options.config.port)
            : first.started().then(
                (l) => l.port,
                () => {
                  throw new StemeError("internal", `not started: ${first.name} failed to listen`);
                },
              );
      threads.push(new ReaderThread(`reader-${i}`, options, port));
    }
    return new ReaderThreads(threads, options);
  }

  get count(): number {
    return this.#threads.length;
  }

  /** Each thread (once started or failed) stops accepting, finishes its in-flight requests, closes its connection. */
  async stop(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.stop()));
  }
}
