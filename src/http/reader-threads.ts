/**
 * The main thread's side of the HTTP threads (SPEC §11): starts them on the
 * port the main thread already listens on — or, when the writer's thread
 * serves no HTTP itself (`writerHttp` false, issue 17), on the configured
 * port, the first thread picking it (port 0) and the rest joining it —
 * gathers their metrics for `/metrics`, replaces one that dies, and stops
 * them (each drains its in-flight requests first). One thread is
 * ./reader-thread.ts.
 *
 * A thread that dies after it listened (an uncaught exception, a
 * `process.exit` inside it, its isolate ending) is replaced by a new one with
 * the same name, options and shared buffers on the same port, after a
 * bounded backoff (./respawn-backoff.ts): otherwise, with the writer's thread
 * not listening, the process would live on serving nothing. Each replacement
 * is logged at error level and counted (`stemedb_http_thread_restarts_total`,
 * `/v1/health` `http_threads`). A thread that fails during its first start
 * fails the start instead (or, beside a listening main thread, is left out),
 * and nothing is replaced once `stop()` was called.
 */
import { type Clock, systemClock } from "../clock.ts";
import { StemeError } from "../errors.ts";
import type { Metrics, MetricsJson } from "./metrics.ts";
import type { CrashHow } from "./reader-messages.ts";
import {
  type Listening,
  ReaderThread,
  type ReaderThreadOptions,
  type ThreadExit,
} from "./reader-thread.ts";
import { type BackoffPolicy, RespawnBackoff } from "./respawn-backoff.ts";

export type { Listening } from "./reader-thread.ts";

export interface ReaderThreadsOptions extends ReaderThreadOptions {
  count: number;
  /**
   * The port the main thread listens on (with `reusePort`); undefined when
   * the threads own the port: the first listens on `config.port`, the rest on
   * the port it got.
   */
  port: number | undefined;
  /** The main registry: each thread is added as a peer; restarts and the listening count are kept here. */
  metrics: Metrics;
  /** When threads began listening, for the backoff's reset (default: the system clock). */
  clock?: Clock;
  /** Replacement delays (default: 100 ms doubling to 5 s, reset after 60 s up). */
  backoff?: BackoffPolicy;
  /**
   * A listening thread is pinged every `intervalMs`; one that leaves a ping
   * unanswered for `timeoutMs` (its event loop stuck: a busy loop, a deadlock)
   * is terminated and replaced like one that died. Default 1 s and 10 s.
   */
  watchdog?: { intervalMs: number; timeoutMs: number };
}

const WATCHDOG = { intervalMs: 1_000, timeoutMs: 10_000 };

/** The HTTP threads in `/v1/health`. */
export interface HttpThreadsStatus {
  configured: number;
  listening: number;
  writer_serves_http: boolean;
  /** Replacements started for threads that died since the process started. */
  restarts: number;
  last_restart: { thread: string; reason: string; at: string } | null;
}

/** Where one HTTP thread runs: the thread now in it, replaced when it dies after listening. */
class Slot {
  readonly name: string;
  /** Set by `#spawn`, right after construction. */
  thread!: ReaderThread;
  /** 1 for the thread started with the server, +1 per replacement. */
  generation = 1;
  /** When its thread began listening (clock ms); undefined while none listens. */
  upSince: number | undefined;
  /** The port its threads listen on, once one did. */
  port: number | undefined;
  readonly backoff: RespawnBackoff;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The counters and histograms its thread reported last (each scrape), kept when it dies. */
  lastCounts: MetricsJson = [];
  /** What its dead threads counted, as of each one's last scrape: summed into every exposition. */
  retired: MetricsJson[] = [];

  /** The current thread's per-thread metrics, and those its dead threads counted. */
  async metrics(): Promise<MetricsJson> {
    const live = await this.thread.metrics();
    if (live.length > 0) {
      // prom-client's JSON carries the type as a string ("counter"), its typings as an enum.
      this.lastCounts = live.filter((m) => ["counter", "histogram"].includes(String(m.type)));
    }
    return [...this.retired.flat(), ...live];
  }

  /** Its thread died: what it counted stays in the sums (gauges go with it), so no counter goes back. */
  retire(): void {
    if (this.lastCounts.length > 0) this.retired.push(this.lastCounts);
    this.lastCounts = [];
  }

  constructor(name: string, port: number | undefined, backoff: BackoffPolicy | undefined) {
    this.name = name;
    this.port = port;
    this.backoff = new RespawnBackoff(backoff);
  }
}

export class ReaderThreads {
  readonly #options: ReaderThreadsOptions;
  readonly #clock: Clock;
  readonly #slots: Slot[] = [];
  /** Replacements that failed to start, being stopped. */
  readonly #retiring = new Set<Promise<void>>();
  #stopping = false;
  #listening = 0;
  #restarts = 0;
  #lastRestart: HttpThreadsStatus["last_restart"] = null;
  readonly #watchdog: ReturnType<typeof setInterval>;
  /** When the watchdog last ran (`performance.now()`): a late run means this thread was stalled, not the others. */
  #watchedAt: number;
  /** Resolves with the number of HTTP threads that listen. */
  readonly ready: Promise<number>;
  /** Resolves once every thread listens, with the first's port and URL; rejects with the first failure. */
  readonly listening: Promise<Listening>;

  private constructor(options: ReaderThreadsOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#watchedAt = performance.now();
    this.#watchdog = setInterval(() => this.#watch(), (options.watchdog ?? WATCHDOG).intervalMs);
    this.#watchdog.unref();
    const known = options.port;
    for (let i = 1; i <= options.count; i++) {
      const first = this.#slots[0]?.thread;
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
      const slot = new Slot(`reader-${i}`, known, options.backoff);
      // Present at 0 from the start, so `increase()` sees the first restart too.
      options.metrics.httpThreadRestarts.inc({ thread: slot.name }, 0);
      this.#spawn(slot, port);
      this.#slots.push(slot);
    }
    const started = this.#slots.map((slot) =>
      slot.thread.started().then(
        () => {
          options.metrics.addPeer(() => slot.metrics());
          return 1;
        },
        (e) => {
          options.logger.error("HTTP thread did not start", {
            thread: slot.name,
            error: String(e),
          });
          return 0;
        },
      ),
    );
    this.ready = Promise.all(started).then((n) => n.reduce((a: number, b: number) => a + b, 0));
    this.listening = Promise.all(this.#slots.map((s) => s.thread.started())).then(([first]) => {
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
    return new ReaderThreads(options);
  }

  get count(): number {
    return this.#slots.length;
  }

  status(): HttpThreadsStatus {
    return {
      configured: this.#slots.length,
      listening: this.#listening,
      writer_serves_http: this.#options.port !== undefined,
      restarts: this.#restarts,
      last_restart: this.#lastRestart,
    };
  }

  /** Tests only: ends thread `name` as a crash would (see `ReaderThread.crash`). */
  crash(name: string, how: CrashHow | "terminate"): void {
    const slot = this.#slots.find((s) => s.name === name);
    if (slot === undefined) throw new StemeError("internal", `no HTTP thread named ${name}`);
    slot.thread.crash(how);
  }

  /** Each thread (once started or failed) stops accepting, finishes its in-flight requests, closes its connection; none is replaced. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#watchdog);
    for (const slot of this.#slots) clearTimeout(slot.timer);
    await Promise.all([...this.#slots.map((s) => s.thread.stop()), ...this.#retiring]);
  }

  /**
   * Pings every listening thread; terminates one whose ping went unanswered
   * for the timeout (it is then replaced as a death). After a run that came
   * late (this thread's own event loop was held, say by a long VACUUM),
   * outstanding pings are forgotten: their answers may be queued behind it.
   */
  #watch(): void {
    const { intervalMs, timeoutMs } = this.#options.watchdog ?? WATCHDOG;
    const now = performance.now();
    const late = now - this.#watchedAt > 2 * intervalMs;
    this.#watchedAt = now;
    if (this.#stopping) return;
    for (const slot of this.#slots) {
      if (late) slot.thread.forgetPing();
      const silentMs = slot.thread.unanswered(now);
      if (silentMs < timeoutMs) continue;
      this.#options.logger.error("HTTP thread unresponsive: terminated", {
        thread: slot.name,
        silent_ms: silentMs,
      });
      slot.thread.kill(`unresponsive for ${silentMs} ms (its event loop did not turn)`);
    }
  }

  /** Starts a thread in `slot` (listening on `port` once known). */
  #spawn(slot: Slot, port: Promise<number>): void {
    const thread: ReaderThread = new ReaderThread(slot.name, this.#options, port, (exit) =>
      this.#exited(slot, thread, exit),
    );
    slot.thread = thread;
    thread.started().then(
      (at) => this.#up(slot, thread, at),
      (e: unknown) => this.#startFailed(slot, thread, e),
    );
  }

  #up(slot: Slot, thread: ReaderThread, at: Listening): void {
    if (slot.thread !== thread) return;
    slot.upSince = this.#clock.now();
    slot.port = at.port;
    this.#setListening(this.#listening + 1);
    if (slot.generation > 1) {
      this.#options.logger.warn("HTTP thread replaced: listening again", {
        thread: slot.name,
        port: at.port,
        generation: slot.generation,
        listening: this.#listening,
      });
    }
  }

  /** A replacement that did not listen is stopped and replaced in turn; a first start's failure is the caller's (`ready`, `listening`). */
  #startFailed(slot: Slot, thread: ReaderThread, e: unknown): void {
    if (slot.generation === 1 || slot.thread !== thread || this.#stopping) return;
    const retired = thread.stop();
    this.#retiring.add(retired);
    retired.finally(() => this.#retiring.delete(retired));
    this.#replace(slot, e instanceof Error ? e.message : String(e), undefined);
  }

  #exited(slot: Slot, thread: ReaderThread, exit: ThreadExit): void {
    if (slot.thread !== thread || slot.upSince === undefined) return; // it never listened: #startFailed
    const upMs = this.#clock.now() - slot.upSince;
    slot.upSince = undefined;
    slot.retire();
    this.#setListening(this.#listening - 1);
    if (exit.clean) return;
    if (exit.stopping || this.#stopping) {
      this.#options.logger.warn("HTTP thread died while stopping; not replaced", {
        thread: slot.name,
        reason: exit.reason,
        ...(exit.detail === undefined ? {} : { detail: exit.detail }),
      });
      return;
    }
    this.#replace(slot, exit.reason, upMs, exit.detail);
  }

  #replace(slot: Slot, reason: string, upMs: number | undefined, detail?: string): void {
    const { logger, metrics } = this.#options;
    const delay = slot.backoff.next(upMs);
    this.#restarts++;
    this.#lastRestart = {
      thread: slot.name,
      reason,
      at: new Date(this.#clock.now()).toISOString(),
    };
    metrics.httpThreadRestarts.inc({ thread: slot.name });
    logger.error("HTTP thread died; a new one replaces it", {
      thread: slot.name,
      reason,
      generation: slot.generation,
      restart_in_ms: delay,
      listening: this.#listening,
      ...(detail === undefined ? {} : { detail }),
    });
    if (this.#listening === 0 && this.#options.port === undefined) {
      logger.error(
        "no HTTP thread listens and the writer's thread serves no HTTP: the port answers nothing until a replacement listens",
        { port: slot.port },
      );
    }
    const port = slot.port ?? this.#options.config.port;
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (this.#stopping) return;
      slot.generation++;
      this.#spawn(slot, Promise.resolve(port));
    }, delay);
  }

  #setListening(n: number): void {
    this.#listening = n;
    this.#options.metrics.readerThreads.set(n);
  }
}
