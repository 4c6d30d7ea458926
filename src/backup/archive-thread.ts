/**
 * The server's archive rounds on a worker thread (SPEC §7, §11): reading the
 * segment files, zstd, BLAKE3, uploads and listings run in archive-worker.ts,
 * so an ingest that keeps the main thread's CPU busy cannot hold the archive
 * back (measured before this: 16 s behind at N=200k unpaced). The main thread
 * only posts each round's durable segment list and takes the result.
 *
 * The worker starts on the first round and keeps the process alive only while
 * a round is pending. Should it die (an uncaught error, an exit), its pending
 * rounds resolve as failed with the reason — the archiver shows it in
 * `/v1/health` and the log — and the next round starts a new worker, which
 * reads the listing afresh (the archive is the source of truth). Writes never
 * wait for any of this.
 */
import type { Logger } from "../logger.ts";
import { workerEntry } from "../worker-entry.ts";
import type { ArchiveCommand, ArchiveReply } from "./archive-messages.ts";
import {
  type ArchiveRounds,
  noShipment,
  type RoundRequest,
  type RoundResult,
  type ShipperRoundsOptions,
} from "./archive-rounds.ts";
import type { TargetConfig, TargetEnv } from "./open-target.ts";

const ENTRY = workerEntry("backup/archive-worker.ts", "archive-worker.ts", import.meta.url);

export interface ArchiveThreadOptions extends Omit<ShipperRoundsOptions, "target"> {
  url: string;
  config: TargetConfig;
  /** The environment the target is opened with (AWS_* for S3): the CLI's. */
  env: TargetEnv;
  logger: Logger;
  /** The worker's entry file (default archive-worker.ts); tests pass one that fails. */
  entry?: string;
}

export class ArchiveThread implements ArchiveRounds {
  readonly url: string;
  readonly #o: ArchiveThreadOptions;
  #worker: Worker | undefined;
  /** Commands wait here until the worker said it is ready (earlier messages could be lost). */
  #queue: ArchiveCommand[] | undefined;
  readonly #pending = new Map<number, (result: RoundResult) => void>();
  #nextId = 1;
  #restarts = 0;
  #closed = false;

  constructor(options: ArchiveThreadOptions) {
    this.#o = options;
    this.url = options.url;
  }

  get restarts(): number {
    return this.#restarts;
  }

  run(request: RoundRequest): Promise<RoundResult> {
    if (this.#closed) return Promise.resolve(failed("the archiver is stopped"));
    const worker = this.#start();
    const id = this.#nextId++;
    const done = new Promise<RoundResult>((resolve) => this.#pending.set(id, resolve));
    if (this.#pending.size === 1) worker.ref();
    this.#post({ kind: "round", id, request });
    return done;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#discard("the archiver is stopped");
  }

  #post(command: ArchiveCommand): void {
    if (this.#queue !== undefined) this.#queue.push(command);
    else this.#worker?.postMessage(command);
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(this.#o.entry ?? ENTRY);
    this.#worker = worker;
    const { url, config, env, maxObjectBytes, history, firstSnapshot } = this.#o;
    this.#queue = [
      {
        kind: "start",
        url,
        config,
        env,
        ...(maxObjectBytes === undefined ? {} : { maxObjectBytes }),
        ...(history === undefined ? {} : { history }),
        ...(firstSnapshot === undefined ? {} : { firstSnapshot }),
      },
    ];
    worker.onmessage = (event: MessageEvent<ArchiveReply>) => {
      const reply = event.data;
      if (reply.kind === "ready") {
        const queued = this.#queue ?? [];
        this.#queue = undefined;
        for (const command of queued) worker.postMessage(command);
        return;
      }
      this.#settle(reply.id, reply.result);
    };
    worker.onerror = (event) => this.#died(worker, event.message || "uncaught error");
    worker.addEventListener("close", () => this.#died(worker, "it exited"));
    worker.unref();
    return worker;
  }

  #settle(id: number, result: RoundResult): void {
    const resolve = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker?.unref();
    resolve?.(result);
  }

  /** The worker failed: report it, fail its rounds; the next round starts a new one. */
  #died(worker: Worker, why: string): void {
    if (worker !== this.#worker || this.#closed) return;
    this.#restarts++;
    const reason = `archive worker failed (${why}); restarting it`;
    this.#o.logger.error(reason, { restarts: this.#restarts, pending_rounds: this.#pending.size });
    this.#discard(reason);
  }

  #discard(reason: string): void {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#queue = undefined;
    for (const resolve of this.#pending.values()) resolve(failed(reason));
    this.#pending.clear();
    worker?.terminate();
  }
}

function failed(error: string): RoundResult {
  return { ok: false, error, archivedLsn: undefined, shipped: noShipment() };
}
