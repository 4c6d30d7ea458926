/**
 * The two shapes of benchmark data (`--dataset`), as pure functions of an
 * assertion's number, so every run, baseline and query list derives the same
 * keys from the same n.
 *
 * Both: n assertions over `keyCount(n)` keys (concept, predicate), four claims
 * per key by four different agents, claim 1 disagreeing (a conflict for the
 * consensus lens); claim j of key k is assertion j·K + k, so the claims of one
 * key are spread over the whole seq range.
 *
 * - `uniform` (the shape of every run up to 2026-12-06): 1,000 agents;
 *   concepts `org<a>/team<b>/svc<s>/<api|db|queue|cache>`, four predicates
 *   each; values `{state, build}`.
 * - `realistic` (issue 17: the shape a new user loaded): 5,000 agents; concept
 *   paths of 3 to 6 segments under 50 tenants, two predicates per concept out
 *   of a pool of ten; values mixed (strings, numbers, booleans, null, objects,
 *   arrays, a sentence of text).
 *
 * A tail query `tail(k)` (the concept's last two segments) matches concept k's
 * concept only; `prefix(k)` its leading segments.
 */

import type { JsonValue } from "../../../src/protocol/assertion.ts";

export type ShapeName = "uniform" | "realistic";

export interface Key {
  concept: string;
  predicate: string;
}

export interface DatasetShape {
  name: ShapeName;
  /** Distinct agents signing (the pool's size). */
  agents: number;
  keyCount(n: number): number;
  key(k: number): Key;
  /** Last two segments of key k's concept (a tail query matching it alone). */
  tail(k: number): string;
  /** Leading segments of key k's concept (a prefix query). */
  prefix(k: number): string;
  /** Agent of claim j (0–3) of key k. */
  agent(k: number, j: number): number;
  /** The JSON value of claim j of key k. */
  value(k: number, j: number): JsonValue;
}

export const CLAIMS_PER_KEY = 4;

export const UNIFORM_PREDICATES = ["status", "owner", "version", "health"] as const;
export const UNIFORM_COMPONENTS = ["api", "db", "queue", "cache"] as const;

const uniformPrefix = (c: number) => {
  const s = Math.floor(c / UNIFORM_COMPONENTS.length);
  return `org${s % 97}/team${s % 211}/svc${s}`;
};
const uniformComponent = (c: number) => UNIFORM_COMPONENTS[c % UNIFORM_COMPONENTS.length];

const uniform: DatasetShape = {
  name: "uniform",
  agents: 1000,
  keyCount: (n) => Math.ceil(n / CLAIMS_PER_KEY),
  key: (k) => {
    const c = Math.floor(k / UNIFORM_PREDICATES.length);
    return {
      concept: `${uniformPrefix(c)}/${uniformComponent(c)}`,
      predicate: UNIFORM_PREDICATES[k % UNIFORM_PREDICATES.length] as string,
    };
  },
  tail: (k) => {
    const c = Math.floor(k / UNIFORM_PREDICATES.length);
    return `svc${Math.floor(c / UNIFORM_COMPONENTS.length)}/${uniformComponent(c)}`;
  },
  prefix: (k) => uniformPrefix(Math.floor(k / UNIFORM_PREDICATES.length)),
  agent: (k, j) => k + j * 251,
  value: (k, j) => ({ state: j === 1 ? "degraded" : "ok", build: k % 1000 }),
};

/** A 32-bit integer hash (splitmix-style finalizer): deterministic "randomness" from a number. */
export function mix(x: number): number {
  let h = (x + 0x9e3779b9) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const AREAS = ["infra", "billing", "search", "identity", "ml", "data", "mobile"];
const WORDS = [
  "eu-west",
  "us-east",
  "prod",
  "staging",
  "cluster",
  "node",
  "pool",
  "shard",
  "service",
  "job",
  "queue",
  "index",
];
const PREDICATE_POOL = [
  "status",
  "owner",
  "version",
  "health",
  "latency_ms",
  "error_rate",
  "replicas",
  "config",
  "tags",
  "summary",
];
const TEXT =
  "the deploy finished but the canary reported elevated latency on two shards so the rollout is paused until the on-call engineer confirms".split(
    " ",
  );

/** Concept c of the realistic shape: 3–6 segments, the last one unique to c. */
function realisticSegments(c: number): string[] {
  const h = mix(c);
  const depth = 3 + (h % 4);
  const segments = [`t${c % 50}`, AREAS[(h >>> 2) % AREAS.length] as string];
  for (let d = 2; d < depth - 1; d++) {
    segments.push(`${WORDS[(h >>> (3 * d)) % WORDS.length]}${(c >>> d) % 13}`);
  }
  segments.push(`e${c}`);
  return segments;
}

function realisticValue(k: number, j: number): JsonValue {
  const h = mix(k * 7 + (j === 1 ? 3 : 0)); // claims 0, 2, 3 agree; claim 1 dissents
  const kind = h % 20;
  const pick = (xs: readonly string[], i: number) => xs[i % xs.length] as string;
  if (kind < 5) return pick(["ok", "degraded", "down", "unknown"], h >>> 5);
  if (kind < 8) return (h >>> 5) % 10_000;
  if (kind < 10) return Math.round(((h >>> 5) % 100_000) / 7) / 100;
  if (kind < 12) return ((h >>> 5) & 1) === 1;
  if (kind < 13) return null;
  if (kind < 17) {
    return {
      state: pick(["ok", "degraded", "down"], h >>> 5),
      build: (h >>> 8) % 5000,
      region: pick(WORDS, (h >>> 12) % 2),
      checks: { passed: (h >>> 14) % 40, failed: (h >>> 20) % 3 },
    };
  }
  if (kind < 19) return [(h >>> 5) % 100, (h >>> 9) % 100, `v${(h >>> 13) % 9}`];
  const words = 8 + ((h >>> 5) % 16);
  return Array.from({ length: words }, (_, i) => TEXT[(h + i * 7) % TEXT.length]).join(" ");
}

const realistic: DatasetShape = {
  name: "realistic",
  agents: 5000,
  keyCount: (n) => Math.ceil(n / CLAIMS_PER_KEY),
  key: (k) => {
    const c = Math.floor(k / 2);
    return {
      concept: realisticSegments(c).join("/"),
      predicate: PREDICATE_POOL[(c * 3 + (k % 2) * 5) % PREDICATE_POOL.length] as string,
    };
  },
  tail: (k) =>
    realisticSegments(Math.floor(k / 2))
      .slice(-2)
      .join("/"),
  prefix: (k) =>
    realisticSegments(Math.floor(k / 2))
      .slice(0, 2)
      .join("/"),
  agent: (k, j) => (k * 3 + j * 1249) % 5000,
  value: realisticValue,
};

export const SHAPES: Record<ShapeName, DatasetShape> = { uniform, realistic };

export function shapeNamed(name: string): DatasetShape {
  const shape = SHAPES[name as ShapeName];
  if (shape === undefined) {
    throw new RangeError(`--dataset must be one of ${Object.keys(SHAPES).join(", ")}: ${name}`);
  }
  return shape;
}
