/**
 * Validation and signature checks for a submission, spread over worker threads
 * (SPEC §1: native verify runs ~24k/s per core, so one core caps ingest). Large
 * submissions are split into chunks, one per worker; small ones are prepared
 * inline, where a round trip to a worker would cost more than it saves. With
 * `workers: 0` everything is inline. Results come back in input order.
 *
 * RSS (SPEC §9: ≤ 300 MB, every thread's heap included): a worker starts on
 * the first chunk it gets and exits once it has had no chunk for `idleMs`, so
 * a server that takes no batches holds no verify heaps; the next chunk starts
 * it again (about 0.1 s: the chunk waits for it). Measured at 100k
 * (tests/bench/rss-breakdown.ts): two idle workers held ~25 MB of RSS between
 * them (their heaps ~5 MB each, the rest their threads' runtime).
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
  /** A worker without a chunk for this long exits (default 10,000 ms). */
  idleMs?: number;
}

const WORKER_ENTRY = workerEntry("ingest/prepare-worker.ts", "prepare-worker.ts", import.meta.url);

interface Pending {
  resolve(results: Prepared[]): void;
  reject(error: unknown): void;
}

/** One running worker: its chunks in flight, and the timer that retires it when it has none. */
interface Slot {
  worker: Worker;
  /** Resolves once the worker said it is ready (job 0). */
  ready: Promise<void>;
  markReady(): void;
  pending: Map<number, Pending>;
  idle?: ReturnType<typeof setTimeout>;
}

export class PreparePool {
  /** Per worker position: its running worker, or undefined while it is not started. */
  readonly #slots: (Slot | undefined)[];
  readonly #inlineBelow: number;
  readonly #idleMs: number;
  #closed = false;
  #nextJob = 1;
  #nextWorker = 0;

  constructor(options: PreparePoolOptions) {
    this.#inlineBelow = options.inlineBelow ?? 16;
    this.#idleMs = options.idleMs ?? 10_000;
    this.#slots = Array.from({ length: options.workers }, () => undefined);
  }

  /** Workers running now (they start on demand and exit when idle). */
  get running(): number {
    return this.#slots.filter((s) => s !== undefined).length;
  }

  async prepare(docs: readonly unknown[], limits: PrepareLimits): Promise<Prepared[]> {
    if (this.#closed || this.#slots.length === 0 || docs.length < this.#inlineBelow) {
      return raiseInternal(
        docs.map((doc) => prepareOne(doc, limits, prepareAssertion)),
      ) as Prepared[];
    }
    const chunkSize = Math.ceil(docs.length / this.#slots.length);
    const chunks: Promise<Prepared[]>[] = [];
    for (let start = 0; start < docs.length; start += chunkSize) {
      chunks.push(this.#run(docs.slice(start, start + chunkSize), limits));
    }
    return raiseInternal((await Promise.all(chunks)).flat()) as Prepared[];
  }

  async #run(docs: unknown[], limits: PrepareLimits): Promise<Prepared[]> {
    const job = this.#nextJob++;
    const index = this.#nextWorker++ % this.#slots.length;
    const slot = this.#slots[index] ?? this.#start(index);
    clearTimeout(slot.idle);
    const done = new Promise<Prepared[]>((resolve, reject) => {
      slot.pending.set(job, { resolve, reject });
    });
    await slot.ready;
    // Unless the pool closed or the worker failed while this chunk waited for
    // it to be ready: then `done` is already rejected.
    const message: PrepareJob = { job, docs, limits };
    if (this.#slots[index] === slot) slot.worker.postMessage(message);
    return done;
  }

  #start(index: number): Slot {
    const worker = new Worker(WORKER_ENTRY);
    const ready = Promise.withResolvers<void>();
    const slot: Slot = {
      worker,
      ready: ready.promise,
      markReady: ready.resolve,
      pending: new Map(),
    };
    worker.onmessage = (event: MessageEvent<PrepareReply>) => {
      if (event.data.job === 0) return slot.markReady();
      const pending = slot.pending.get(event.data.job);
      slot.pending.delete(event.data.job);
      if (slot.pending.size === 0) {
        slot.idle = setTimeout(() => this.#retire(index, slot), this.#idleMs);
        slot.idle.unref();
      }
      try {
        pending?.resolve(decodePrepared(event.data.results));
      } catch (e) {
        pending?.reject(e);
      }
    };
    worker.onerror = (event) => {
      // Its chunks fail; the next chunk for this position starts a new worker.
      const error = new StemeError("internal", `prepare worker failed: ${event.message}`);
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
      this.#retire(index, slot);
    };
    worker.unref();
    this.#slots[index] = slot;
    return slot;
  }

  /** Ends `slot`'s worker if it is still the one at `index` and has no chunk in flight. */
  #retire(index: number, slot: Slot): void {
    if (this.#slots[index] !== slot || slot.pending.size > 0) return;
    clearTimeout(slot.idle);
    this.#slots[index] = undefined;
    slot.worker.terminate();
    slot.markReady(); // a chunk waiting for it then sees it gone and refuses
  }

  close(): void {
    this.#closed = true;
    const error = new StemeError("not_ready", "the prepare pool is closed");
    this.#slots.forEach((slot, index) => {
      if (slot === undefined) return;
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
      this.#retire(index, slot);
    });
  }
}
