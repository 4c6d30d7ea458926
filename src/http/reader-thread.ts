/**
 * One HTTP thread as the main thread sees it (SPEC §11): the worker, the
 * messages it exchanges with it (./reader-messages.ts), and how it ends. The
 * worker is told where to listen once it has loaded; what it forwards is
 * answered through the main app; its log lines go to the main logger. However
 * it ends — `stop()`, an uncaught exception, a `process.exit` inside it, a
 * `terminate()` — its `onExit` is told once, with why, so ./reader-threads.ts
 * can replace a thread that died while it listened.
 */
import type { Config } from "../config.ts";
import { StemeError } from "../errors.ts";
import { LOG_LEVELS, type Logger } from "../logger.ts";
import type { ChangeSlots } from "../store/change-slots.ts";
import { workerEntry } from "../worker-entry.ts";
import { type AppFetch, answerForwarded } from "./forwarding.ts";
import { MessageBatch } from "./message-batch.ts";
import type { MetricsJson } from "./metrics.ts";
import type { RateBuffers } from "./rate-limit.ts";
import type { CrashHow, FromReader, ToReader } from "./reader-messages.ts";
import type { PreparedWriteAnswerer } from "./routes/assert.ts";
import type { WriteAnswer } from "./write-fast-path.ts";

const ENTRY = workerEntry("http/reader-worker.ts", "reader-worker.ts", import.meta.url);

/** What every HTTP thread is started with (the same for a replacement). */
export interface ReaderThreadOptions {
  config: Config;
  dbPath: string;
  /** The main app's fetch, which answers forwarded requests. */
  fetch: AppFetch;
  /** The main app's answer to prepared writes sent alone (`createWriterApp`); none: writes come whole. */
  answerWrite?: PreparedWriteAnswerer;
  logger: Logger;
  /** The main app's rate-limit buckets: one budget per client across threads. */
  rateBuffers?: RateBuffers;
  /** The writer's published changes (shared memory), for each thread's answer cache. */
  changes?: ChangeSlots;
  /** Tests only: the thread honours `crash` ("throw", "exit"); nothing in production sets it. */
  testHooks?: boolean;
}

/** Where a thread listens. */
export interface Listening {
  port: number;
  url: string;
}

/** How a thread ended. */
export interface ThreadExit {
  /** The worker's exit code (0 also after `terminate()` or an unhandled rejection). */
  code: number;
  /** Why, for the log: its uncaught error's first line, else its exit code. */
  reason: string;
  /** Its uncaught error as the runtime reported it (source lines, stack), when one killed it. */
  detail?: string;
  /** It ended after `stop()` was called. */
  stopping: boolean;
  /** It stopped as asked (drained, said so) before it ended: not a death. */
  clean: boolean;
}

export class ReaderThread {
  readonly name: string;
  readonly #worker: Worker;
  readonly #testHooks: boolean;
  readonly #metricsWaiting = new Map<number, (m: MetricsJson) => void>();
  #nextId = 1;
  #alive = true;
  #listening = false;
  #stopping = false;
  /** It drained and said "stopped". */
  #clean = false;
  /** Its uncaught error, when one killed it (the `close` event that follows carries only a code). */
  #error: string | undefined;
  #errorDetail: string | undefined;
  /** A watchdog ping sent and not answered yet: when it was sent (`performance.now()`). */
  #pingSentAt: number | undefined;
  readonly #started = Promise.withResolvers<Listening>();
  readonly #stopped = Promise.withResolvers<void>();
  /** The worker ended (its `close` event). */
  readonly #closed = Promise.withResolvers<void>();

  /** `port`: where to listen, once known (it rejects when an earlier thread failed to start). */
  constructor(
    name: string,
    options: ReaderThreadOptions,
    port: Promise<number>,
    onExit: (exit: ThreadExit) => void = () => {},
  ) {
    this.name = name;
    this.#testHooks = options.testHooks === true;
    port.catch(() => {}); // observed once the worker is ready (below); it may reject before
    const { config, dbPath, fetch, answerWrite, logger, rateBuffers, changes } = options;
    this.#worker = new Worker(ENTRY);
    const send = (message: ToReader, transfer: ArrayBuffer[] = []) => {
      if (this.#alive) this.#worker.postMessage(message, transfer);
    };
    const written = new MessageBatch<{ id: number; answer: WriteAnswer }>((answers) =>
      send({ kind: "written", answers }),
    );
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
                ...(this.#testHooks ? { testHooks: true } : {}),
                ...(answerWrite ? { fastWrites: true } : {}),
              }),
            (e) => this.#started.reject(e),
          );
          return;
        case "started":
          this.#listening = true;
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
        case "writes":
          for (const { id, write } of message.writes) {
            answerWrite?.(write).then((answer) => written.add({ id, answer }));
          }
          return;
        case "metrics":
          this.#metricsWaiting.get(message.id)?.(message.metrics);
          this.#metricsWaiting.delete(message.id);
          return;
        case "pong":
          this.#pingSentAt = undefined;
          return;
        case "log":
          return logger[message.level](message.msg, message.ctx);
        case "stopped":
          this.#clean = true;
          return this.#stopped.resolve();
      }
    };
    // An uncaught exception or unhandled rejection: the worker ends, then `close` follows.
    this.#worker.onerror = (event) => {
      this.#error ??= firstLine(event.message);
      this.#errorDetail ??= event.message;
    };
    this.#worker.addEventListener("close", (event) => {
      const code = (event as CloseEvent).code;
      const reason = this.#error ?? `exited with code ${code}`;
      this.#alive = false;
      this.#listening = false;
      this.#started.reject(
        new StemeError("internal", `HTTP thread ${name} ended before it listened: ${reason}`),
      );
      this.#stopped.resolve();
      for (const wake of this.#metricsWaiting.values()) wake([]);
      this.#metricsWaiting.clear();
      const detail = this.#errorDetail === undefined ? {} : { detail: this.#errorDetail };
      onExit({ code, reason, ...detail, stopping: this.#stopping, clean: this.#clean });
      this.#closed.resolve();
    });
    this.#started.promise.catch(() => {}); // observed by `started()`
  }

  started(): Promise<Listening> {
    return this.#started.promise;
  }

  /**
   * The watchdog's check (./reader-threads.ts): how long a ping has gone
   * unanswered (0 when none is outstanding, or the thread does not listen); a
   * new ping is sent when none is outstanding.
   */
  unanswered(now: number): number {
    if (!this.#listening) return 0;
    if (this.#pingSentAt === undefined) {
      this.#pingSentAt = now;
      this.#worker.postMessage({ kind: "ping" } satisfies ToReader);
      return 0;
    }
    return now - this.#pingSentAt;
  }

  /** Forgets an outstanding ping (the caller's own thread was stalled: an answer may be queued). */
  forgetPing(): void {
    this.#pingSentAt = undefined;
  }

  /** Ends a thread whose event loop no longer turns; `reason` names it in the death's log line. */
  kill(reason: string): void {
    this.#error ??= reason;
    this.#worker.terminate();
  }

  /** Its per-thread metrics; none from a thread that is not listening (not yet, or no more). */
  metrics(): Promise<MetricsJson> {
    if (!this.#listening) return Promise.resolve([]);
    const id = this.#nextId++;
    const answered = new Promise<MetricsJson>((resolve) => this.#metricsWaiting.set(id, resolve));
    this.#worker.postMessage({ kind: "metrics", id } satisfies ToReader);
    return answered;
  }

  /**
   * Tests only: ends the thread as a crash would. "terminate" ends it from
   * outside; "throw" (an uncaught exception) and "exit" (`process.exit`) are
   * done inside it, and only by a thread started with `testHooks`.
   */
  crash(how: CrashHow | "terminate"): void {
    if (how === "terminate") {
      this.#worker.terminate();
      return;
    }
    if (!this.#testHooks) {
      throw new StemeError("internal", `HTTP thread ${this.name} was started without test hooks`);
    }
    this.#worker.postMessage({ kind: "crash", how } satisfies ToReader);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#started.promise.catch(() => {}); // a message sent before "ready" could be lost
    if (this.#alive) this.#worker.postMessage({ kind: "stop" } satisfies ToReader);
    await this.#stopped.promise;
    this.#alive = false;
    this.#listening = false;
    this.#worker.terminate();
    await this.#closed.promise; // no thread outlives `stop()`
  }
}

/** Bun's worker error message holds the source lines around the throw: the `error: …` line says why. */
function firstLine(message: string): string {
  const lines = message.split("\n").map((l) => l.trim());
  return lines.find((l) => /^\w*error: /i.test(l)) ?? lines.find((l) => l !== "") ?? "error";
}
