/**
 * Validation and signature checks for a submission, spread over worker threads
 * (SPEC §1: native verify runs ~24k/s per core, so one core caps ingest). Large
 * submissions are split into chunks, one per worker; small ones are prepared
 * inline, where a round trip to a worker would cost more than it saves. With
 * `workers: 0` everything is inline. Results come back in input order.
 */
import { StemeError } from "../errors.ts";
import { type PrepareLimits, prepareAssertion } from "../protocol/prepare.ts";
import { workerEntry } from "../worker-entry.ts";
import type { PrepareJob, PrepareReply } from "./prepare-messages.ts";
import { prepareOne, raiseInternal } from "./prepare-one.ts";
import { decodePrepared, type Prepared } from "./prepared-codec.ts";

export type { Prepared } from "./prepared-codec.ts";

export interface PreparePoolOptions {
  workers: number;
  /** Submissions smaller than this are prepared inline (default 16). */
  inlineBelow?: number;
}

const WORKER_ENTRY = workerEntry("ingest/prepare-worker.ts", "prepare-worker.ts", import.meta.url);

interface Pending {
  resolve(results: Prepared[]): void;
  reject(error: unknown): void;
}

export class PreparePool {
  readonly #workers: Worker[] = [];
  /** Per worker: resolves once it said it is ready (job 0). */
  readonly #ready: Promise<void>[] = [];
  readonly #markReady: (() => void)[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #inlineBelow: number;
  #nextJob = 1;
  #nextWorker = 0;

  constructor(options: PreparePoolOptions) {
    this.#inlineBelow = options.inlineBelow ?? 16;
    for (let i = 0; i < options.workers; i++) {
      const worker = new Worker(WORKER_ENTRY);
      let markReady: () => void = () => {};
      this.#ready.push(new Promise((resolve) => (markReady = resolve)));
      this.#markReady.push(markReady);
      worker.onmessage = (event: MessageEvent<PrepareReply>) => {
        if (event.data.job === 0) return markReady();
        const pending = this.#pending.get(event.data.job);
        this.#pending.delete(event.data.job);
        try {
          pending?.resolve(decodePrepared(event.data.results));
        } catch (e) {
          pending?.reject(e);
        }
      };
      worker.onerror = (event) => {
        const error = new StemeError("internal", `prepare worker failed: ${event.message}`);
        for (const p of this.#pending.values()) p.reject(error);
        this.#pending.clear();
      };
      worker.unref();
      this.#workers.push(worker);
    }
  }

  async prepare(docs: readonly unknown[], limits: PrepareLimits): Promise<Prepared[]> {
    if (this.#workers.length === 0 || docs.length < this.#inlineBelow) {
      return raiseInternal(
        docs.map((doc) => prepareOne(doc, limits, prepareAssertion)),
      ) as Prepared[];
    }
    const chunkSize = Math.ceil(docs.length / this.#workers.length);
    const chunks: Promise<Prepared[]>[] = [];
    for (let start = 0; start < docs.length; start += chunkSize) {
      chunks.push(this.#run(docs.slice(start, start + chunkSize), limits));
    }
    return raiseInternal((await Promise.all(chunks)).flat()) as Prepared[];
  }

  async #run(docs: unknown[], limits: PrepareLimits): Promise<Prepared[]> {
    const job = this.#nextJob++;
    const slot = this.#nextWorker++ % this.#workers.length;
    await this.#ready[slot];
    const worker = this.#workers[slot];
    if (worker === undefined) throw new StemeError("not_ready", "the prepare pool is closed");
    return new Promise((resolve, reject) => {
      this.#pending.set(job, { resolve, reject });
      const message: PrepareJob = { job, docs, limits };
      worker.postMessage(message);
    });
  }

  close(): void {
    for (const w of this.#workers) w.terminate();
    this.#workers.length = 0;
    for (const wake of this.#markReady) wake(); // waiters then see no worker and refuse
    this.#markReady.length = 0;
    const error = new StemeError("not_ready", "the prepare pool is closed");
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}
