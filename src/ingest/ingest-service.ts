/**
 * The ingest pipeline above the engine (STYLE.md §1: http → ingest → engine):
 * validate and verify each document (`prepareAssertion`, on worker threads for
 * large submissions — see PreparePool), let the guards admit
 * it, hand the admitted ones to the engine as one group commit, and report one
 * result per input in input order. Single assertions, JSON batches and NDJSON
 * all come through `submit`; the HTTP layer only parses bodies and shapes replies.
 */

import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Engine } from "../engine/engine.ts";
import { StemeError } from "../errors.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import { isRedactionAssertion } from "../redaction/redaction-shape.ts";
import type { IngestContext, IngestGuard, SubmissionStatus } from "./ingest-guard.ts";
import { PreparePool } from "./prepare-pool.ts";
import type { Prepared } from "./prepared-codec.ts";

/** One input document, or the reason it could not even be parsed. */
export type IngestInput = { ok: true; value: unknown } | { ok: false; error: StemeError };

export type ItemResult =
  | {
      id: string;
      seq: number;
      /** `redacted`: a resubmission of a redacted assertion (SPEC §12); nothing is stored. */
      status: "accepted" | "quarantined" | "duplicate" | "redacted";
      reasons?: string[];
    }
  | { id: string | null; seq: null; status: "rejected"; error: StemeError };

export interface SubmitResult {
  results: ItemResult[];
  sth: SignedTreeHead;
}

export interface IngestServiceDeps {
  engine: Engine;
  config: Pick<Config, "maxSkewMs" | "maxValueBytes" | "maxBatch">;
  clock: Clock;
  guards?: readonly IngestGuard[];
  /** Called once per input with its final status (metrics). */
  onOutcome?: (status: SubmissionStatus) => void;
  /** Where validation and signature checks run (default: inline, no workers). */
  pool?: PreparePool;
  /**
   * With `archiveSync` (SPEC §7, §11): resolves once the archive holds the
   * log up to `lsn`; the submission is answered only then, or fails with
   * its error (`archive_unavailable`) — its records stay stored.
   */
  archived?: (lsn: number) => Promise<void>;
}

export class IngestService {
  readonly #deps: IngestServiceDeps;
  readonly #guards: readonly IngestGuard[];
  readonly #pool: PreparePool;

  constructor(deps: IngestServiceDeps) {
    this.#deps = deps;
    this.#guards = deps.guards ?? [];
    this.#pool = deps.pool ?? new PreparePool({ workers: 0 });
  }

  /** Records what can be recorded; bad items are rejected alone. Throws only for whole-request faults. */
  async submit(inputs: readonly IngestInput[], ip: string): Promise<SubmitResult> {
    const { config, clock } = this.#deps;
    this.#checkCount(inputs.length);
    const nowMs = clock.now();
    const docs: unknown[] = [];
    for (const input of inputs) if (input.ok) docs.push(input.value);
    const limits = { nowMs, maxSkewMs: config.maxSkewMs, maxValueBytes: config.maxValueBytes };
    const ready = await this.#pool.prepare(docs, limits);
    let next = 0;
    const prepared = inputs.map(
      (input): Prepared =>
        input.ok ? (ready[next++] as Prepared) : { ok: false, error: input.error },
    );
    return await this.#record(prepared, { ip, nowMs });
  }

  /**
   * A submission another thread already validated and verified (SPEC §11:
   * the HTTP thread that received it), one result per input document; from
   * here on as `submit`: guards, one group commit, results in input order.
   */
  async submitPrepared(prepared: readonly Prepared[], ip: string): Promise<SubmitResult> {
    this.#checkCount(prepared.length);
    return await this.#record(prepared, { ip, nowMs: this.#deps.clock.now() });
  }

  #checkCount(count: number): void {
    const { maxBatch } = this.#deps.config;
    if (count === 0) {
      throw new StemeError("empty_batch", "the batch holds no assertions; send at least one");
    }
    if (count > maxBatch) {
      throw new StemeError(
        "batch_too_large",
        `the batch holds ${count} assertions; at most ${maxBatch} per request (STEMEDB_MAX_BATCH)`,
        { limit: maxBatch },
      );
    }
  }

  async #record(prepared: readonly Prepared[], ctx: IngestContext): Promise<SubmitResult> {
    const { engine } = this.#deps;
    const results: ItemResult[] = new Array(prepared.length);
    const admitted: PreparedAssertion[] = [];
    const slots: number[] = [];
    for (const [index, p] of prepared.entries()) {
      if (!p.ok) {
        results[index] = rejected(null, p.error);
        continue;
      }
      const item = p.prepared;
      const refusal = this.#admit(item, ctx);
      if (refusal) {
        results[index] = rejected(item.idHex, refusal);
        this.#observe(item.assertion.agent, "rejected", refusal, ctx);
        continue;
      }
      admitted.push(item);
      slots.push(index);
    }
    const sth =
      admitted.length > 0 ? await this.#ingest(admitted, slots, results, ctx) : engine.treeHead();
    for (const r of results) this.#deps.onOutcome?.(r.status);
    return { results, sth };
  }

  async #ingest(
    items: PreparedAssertion[],
    slots: number[],
    results: ItemResult[],
    ctx: IngestContext,
  ): Promise<SignedTreeHead> {
    const { outcomes, sth } = await this.#deps.engine.ingest(items);
    // SPEC §12: a redaction is answered once the log and the SQLite WAL no longer hold its
    // target; a resent one (duplicate) waits for a scrub a failure left pending too.
    if (
      outcomes.some(
        (o, i) =>
          (o.status === "accepted" || o.status === "duplicate") &&
          isRedactionAssertion((items[i] as PreparedAssertion).assertion),
      )
    ) {
      await this.#deps.engine.redactions.scrub();
    }
    // The log's end now covers this submission's records (and perhaps others').
    if (this.#deps.archived !== undefined && outcomes.some((o) => o.status !== "rejected")) {
      await this.#deps.archived(this.#deps.engine.log.lastLsn);
    }
    for (const [i, o] of outcomes.entries()) {
      const index = slots[i] as number;
      const agent = (items[i] as PreparedAssertion).assertion.agent;
      if (o.status === "rejected") {
        results[index] = rejected(o.id, o.error);
        this.#observe(agent, "rejected", o.error, ctx);
      } else {
        results[index] = o;
        this.#observe(agent, o.status, undefined, ctx);
      }
    }
    return sth;
  }

  #admit(item: PreparedAssertion, ctx: IngestContext): StemeError | undefined {
    for (const g of this.#guards) {
      const refusal = g.admit?.(item, ctx);
      if (refusal) return refusal;
    }
    return undefined;
  }

  #observe(
    agent: string,
    status: SubmissionStatus,
    error: StemeError | undefined,
    ctx: IngestContext,
  ): void {
    for (const g of this.#guards) g.observe?.(agent, status, error, ctx);
  }
}

const rejected = (id: string | null, error: StemeError): ItemResult => ({
  id,
  seq: null,
  status: "rejected",
  error,
});
