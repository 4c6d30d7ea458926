/**
 * The benchmark's assertions: deterministic, protocol-valid (signed with the
 * native Ed25519 signer exactly as tests/helpers/fast-sign.ts does), each batch
 * kept both as the HTTP body (a JSON array) and as the rows StemeDB stores for
 * them, so the SQLite floor and the PostgreSQL peer insert the very same rows.
 * What the keys, agents and values look like is the dataset's shape
 * (`dataset-shape.ts`: `uniform` or `realistic`).
 *
 * The `uniform` shape's helpers below (`conceptOf`, `tailOf`, `prefixOf` by
 * concept number) serve the scripts written for it (store-insert.ts,
 * reader-threads.ts).
 */
import { toHex } from "../../../src/hex.ts";
import type { Assertion, UnsignedAssertion } from "../../../src/protocol/assertion.ts";
import { assertionId } from "../../../src/protocol/assertion-id.ts";
import { canonicalBytes, canonicalString } from "../../../src/protocol/canonical.ts";
import { type NativeSigner, nativeSigner } from "../../../src/protocol/native-ed25519.ts";
import { assertionMessage } from "../../../src/protocol/signed-bytes.ts";
import { reverseConcept } from "../../../src/store/concept-path.ts";
import {
  CLAIMS_PER_KEY,
  type DatasetShape,
  SHAPES,
  UNIFORM_COMPONENTS,
  UNIFORM_PREDICATES,
} from "./dataset-shape.ts";

export const PREDICATES = UNIFORM_PREDICATES;
export const COMPONENTS = UNIFORM_COMPONENTS;
export { CLAIMS_PER_KEY };

/** One row of the `assertions` table (src/store/migrations/0001-initial.ts). */
export interface BenchRow {
  seq: number;
  id: Uint8Array;
  concept: string;
  concept_rev: string;
  predicate: string;
  agent: string;
  value: string;
  confidence: number;
  ts: number;
  status: number;
  received_at: number;
  canonical: Uint8Array;
  sig: Uint8Array;
}

/** The values after the keys, in the baselines' column order (retracts and reasons are NULL in SQL). */
export function rowTail(r: BenchRow): (number | Uint8Array)[] {
  return [r.confidence, r.ts, r.status, r.received_at, r.canonical, r.sig];
}

/** A row's values with text keys (the PostgreSQL baseline's schema). */
export function rowParams(r: BenchRow): unknown[] {
  return [r.seq, r.id, r.concept, r.concept_rev, r.predicate, r.agent, r.value, ...rowTail(r)];
}

export interface Batch {
  /** Assertions in the batch. */
  count: number;
  /** The HTTP body: a JSON array of the signed assertions. */
  body: string;
  /** The same assertions as table rows (emptied once the baselines have used them). */
  rows: BenchRow[];
}

export interface Signed {
  assertion: Assertion;
  row: Omit<BenchRow, "seq" | "received_at" | "status">;
}

export class AgentPool {
  readonly #signers: NativeSigner[];
  readonly #keys: string[];

  constructor(count: number) {
    this.#signers = Array.from({ length: count }, (_, i) => {
      const seed = new Uint8Array(32).fill(0x5b);
      seed[0] = i & 0xff;
      seed[1] = (i >> 8) & 0xff;
      return nativeSigner(seed);
    });
    this.#keys = this.#signers.map((s) => toHex(s.publicKey));
  }

  get size(): number {
    return this.#signers.length;
  }

  sign(agentIndex: number, fields: Omit<UnsignedAssertion, "agent" | "v">): Signed {
    const signer = this.#signers[agentIndex % this.#signers.length] as NativeSigner;
    const agent = this.#keys[agentIndex % this.#keys.length] as string;
    const unsigned: UnsignedAssertion = { v: 1, agent, ...fields };
    const canonical = canonicalBytes(unsigned);
    const id = assertionId(canonical);
    const sig = signer.sign(assertionMessage(id));
    return {
      assertion: { ...unsigned, sig: toHex(sig) },
      row: {
        id,
        concept: unsigned.concept,
        concept_rev: reverseConcept(unsigned.concept),
        predicate: unsigned.predicate,
        agent,
        value: canonicalString(unsigned.value),
        confidence: unsigned.confidence ?? 1,
        ts: unsigned.ts,
        canonical,
        sig,
      },
    };
  }
}

/** Concept number c (0 ≤ c < conceptCount(n)). */
export function conceptOf(c: number): string {
  return `${prefixOf(c)}/${COMPONENTS[c % COMPONENTS.length]}`;
}

/** The three leading segments of concept c: a prefix query matching 16 keys. */
export function prefixOf(c: number): string {
  const s = Math.floor(c / COMPONENTS.length);
  return `org${s % 97}/team${s % 211}/svc${s}`;
}

/** The two trailing segments of concept c: a tail query matching only concept c. */
export function tailOf(c: number): string {
  const s = Math.floor(c / COMPONENTS.length);
  return `svc${s}/${COMPONENTS[c % COMPONENTS.length]}`;
}

export const keyCount = (n: number) => Math.ceil(n / CLAIMS_PER_KEY);
export const conceptCount = (n: number) => Math.ceil(keyCount(n) / PREDICATES.length);

/** Assertion i of the n-assertion dataset of `shape`, signed. */
function signClaim(
  shape: DatasetShape,
  n: number,
  i: number,
  agents: AgentPool,
  now: number,
): Signed {
  const keys = shape.keyCount(n);
  const j = Math.floor(i / keys); // which claim of its key
  const k = i % keys;
  return agents.sign(shape.agent(k, j), {
    ...shape.key(k),
    value: shape.value(k, j),
    confidence: 0.5 + ((k + j) % 50) / 100,
    ts: now - n + i,
  });
}

/** Builds the n assertions of `shape` in batches of `batchSize`; `now` anchors ts and received_at. */
export function buildDataset(
  n: number,
  batchSize: number,
  agents: AgentPool,
  now: number,
  shape: DatasetShape = SHAPES.uniform,
): Batch[] {
  const batches: Batch[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const assertions: Assertion[] = [];
    const rows: BenchRow[] = [];
    for (let i = start; i < Math.min(n, start + batchSize); i++) {
      const signed = signClaim(shape, n, i, agents, now);
      assertions.push(signed.assertion);
      rows.push({ ...signed.row, seq: i + 1, status: 1, received_at: now });
    }
    batches.push({ count: rows.length, body: JSON.stringify(assertions), rows });
  }
  return batches;
}

/**
 * Distinct single-assertion bodies for the single-POST run, on keys of their
 * own (`load/a<agent>/i<n>`), so they neither collide with the dataset nor
 * trip a per-key flood rule.
 */
export function singleBodies(count: number, agents: AgentPool, now: number): string[] {
  const bodies: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const agent = i % agents.size;
    const { assertion } = agents.sign(agent, {
      concept: `load/a${agent}/i${i}`,
      predicate: "status",
      value: { state: i % 3 === 0 ? "degraded" : "ok", n: i },
      confidence: 0.9,
      ts: now - count + i,
    });
    bodies[i] = JSON.stringify(assertion);
  }
  return bodies;
}

/**
 * Batch `b` (of `batchSize`) of the n-assertion dataset as log records for
 * `applyRecords`, for store micro-benchmarks (the same shape for every tree
 * measured). `now` anchors ts and received_at.
 */
export function datasetRecords(
  n: number,
  b: number,
  batchSize: number,
  agents: AgentPool,
  now: number,
  shape: DatasetShape = SHAPES.uniform,
) {
  const out = [];
  for (let i = b * batchSize; i < Math.min(n, (b + 1) * batchSize); i++) {
    const signed = signClaim(shape, n, i, agents, now);
    const { id, canonical, sig } = signed.row;
    out.push({
      lsn: i + 1,
      parsed: signed.assertion,
      deduped: true, // as the commit loop hands planned records to apply
      record: {
        type: 1,
        body: { seq: i + 1, status: 1, receivedAt: now, id, sig, reasons: [], canonical },
      },
    });
  }
  return out;
}
