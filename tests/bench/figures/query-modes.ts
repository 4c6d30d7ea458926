/**
 * SPEC §9's query figures: `latest` queries (exact and tail) for one key
 * (concept + predicate) each, from 16 connections, at the run's full size, in
 * two modes:
 *
 * - `cold`: each key asked once in the run, so no answer cache can help. The
 *   keys, in a scattered order, are split in three: a third for a probe run of
 *   each kind (1 s, 2 s in a full run; both probes run first: the warm-up, and
 *   the rate that sizes the measured run), a third for the exact run, a third
 *   for the tail run. A measured run lasts
 *   `seconds`, or less when 90% of its keys would not last that long at twice
 *   the probe's rate (the warmed-up server answers faster than the probe: the
 *   1M run of 2026-12-06 probed 6,000–7,300/s and then ran 10,200/s, wrapping
 *   its list; wrk runs whole seconds, 1 at least); `wrk.wraps` > 0 says the
 *   list ran out and keys were asked again (a quick run has too few keys).
 * - `zipf`: keys drawn from a Zipf distribution (s = 1.1) over all keys with a
 *   seeded PRNG, as agents ask about hot concepts; a list of 100,000 draws
 *   (20,000 in a quick run), cycled.
 *
 * Each figure is `runQueryFigure`'s: rate, client p99 (wrk), server p99 (the
 * server's histogram), server CPU µs per query.
 */
import { join } from "node:path";
import type { DatasetShape } from "../lib/dataset-shape.ts";
import { progress } from "../lib/progress.ts";
import { runWrk, writeLuaItems } from "../lib/wrk.ts";
import { mulberry32, scatter, zipfSampler } from "../lib/zipf.ts";
import { type QueryFigure, runQueryFigure } from "./query-run.ts";

export const QUERY_MODES = ["cold", "zipf"] as const;
export const QUERY_KINDS = ["exact", "tail"] as const;
export type QueryMode = (typeof QUERY_MODES)[number];
export type QueryKind = (typeof QUERY_KINDS)[number];
export type QueryModeCase = `${QueryMode}_${QueryKind}`;

export interface ModeFigure extends QueryFigure {
  /** Seconds the measured run was asked to last. */
  runSeconds: number;
  /** Distinct keys among the paths. */
  distinctKeys: number;
  /** cold: the probe run's rate (q/s) that sized the run. */
  probeRate?: number;
  /** zipf: share of the draws that went to the 100 hottest keys. */
  top100Share?: number;
}

export const ZIPF_S = 1.1;
/** Draws in the Zipf list: 100,000 in a full run, 20,000 in a quick one (wrk formats each up front). */
export const zipfDraws = (seconds: number) => (seconds >= 10 ? 100_000 : 20_000);
/** The probe (and warm-up) run: 2 s in a full run, 1 s in a quick one. */
const probeSeconds = (seconds: number) => (seconds >= 10 ? 2 : 1);

export interface QueryModesOptions {
  wrk: string;
  baseUrl: string;
  serverPid: number;
  shape: DatasetShape;
  n: number;
  connections: number;
  seconds: number;
  dir: string;
  /** PRNG seed of the Zipf draws. */
  seed: number;
}

/** GET path of a `latest` query for key k: the concept exactly, or its last two segments as a tail. */
export function queryPath(shape: DatasetShape, kind: QueryKind, k: number): string {
  const { concept, predicate } = shape.key(k);
  return kind === "exact"
    ? `/v1/query?concept=${concept}&predicate=${predicate}`
    : `/v1/query?concept=${shape.tail(k)}&match=tail&predicate=${predicate}`;
}

/** The Zipf-drawn keys of a run (also the list the H_get floor is measured with). */
export function zipfKeys(keys: number, seed: number, draws: number): number[] {
  const draw = zipfSampler(keys, ZIPF_S, mulberry32(seed));
  const toKey = scatter(keys);
  return Array.from({ length: draws }, () => toKey(draw()));
}

export async function measureQueryModes(
  o: QueryModesOptions,
): Promise<Record<QueryModeCase, ModeFigure>> {
  const keys = o.shape.keyCount(o.n);
  const order = scatter(keys);
  const third = (r: number) =>
    Array.from({ length: Math.floor((keys - r + 2) / 3) }, (_, i) => order(3 * i + r));
  const [probeKeys, exactKeys, tailKeys] = [third(0), third(1), third(2)];
  const out: Partial<Record<QueryModeCase, ModeFigure>> = {};
  const file = (name: string, paths: string[]) => {
    const itemsFile = join(o.dir, `query-${name}.lua`);
    writeLuaItems(itemsFile, paths);
    return itemsFile;
  };
  const figure = async (name: QueryModeCase, paths: string[], seconds: number) => {
    progress(`query ${name.replace("_", " ")} (${paths.length} paths, ${seconds} s)`);
    return runQueryFigure({
      wrk: o.wrk,
      baseUrl: o.baseUrl,
      serverPid: o.serverPid,
      itemsFile: file(name, paths),
      samplePath: paths[0] as string,
      distinctPaths: new Set(paths).size,
      connections: o.connections,
      seconds,
    });
  };

  // Both probes first: together they warm the server's query path (JIT, caches of
  // interned keys) before the first measured run.
  const probeRates = { exact: 0, tail: 0 };
  for (const kind of QUERY_KINDS) {
    const probe = await runWrk({
      wrk: o.wrk,
      baseUrl: o.baseUrl,
      itemsFile: file(
        `probe-${kind}`,
        probeKeys.map((k) => queryPath(o.shape, kind, k)),
      ),
      method: "GET",
      connections: o.connections,
      seconds: probeSeconds(o.seconds),
    });
    probeRates[kind] = probe.rate;
  }
  for (const kind of QUERY_KINDS) {
    const measured = kind === "exact" ? exactKeys : tailKeys;
    const probeRate = probeRates[kind];
    const runSeconds = Math.max(
      1,
      Math.min(o.seconds, Math.floor((0.9 * measured.length) / Math.max(1, 2 * probeRate))),
    );
    const paths = measured.map((k) => queryPath(o.shape, kind, k));
    const f = await figure(`cold_${kind}`, paths, runSeconds);
    out[`cold_${kind}`] = { ...f, runSeconds, distinctKeys: measured.length, probeRate };
    if (f.wrk.wraps > 0) progress(`  NOTE: ${f.wrk.wraps} wraps: keys were asked more than once`);
  }

  const drawn = zipfKeys(keys, o.seed, zipfDraws(o.seconds));
  const counts = new Map<number, number>();
  for (const k of drawn) counts.set(k, (counts.get(k) ?? 0) + 1);
  const top100 = [...counts.values()]
    .sort((a, b) => b - a)
    .slice(0, 100)
    .reduce((a, b) => a + b, 0);
  for (const kind of QUERY_KINDS) {
    const paths = drawn.map((k) => queryPath(o.shape, kind, k));
    const f = await figure(`zipf_${kind}`, paths, o.seconds);
    out[`zipf_${kind}`] = {
      ...f,
      runSeconds: o.seconds,
      distinctKeys: counts.size,
      top100Share: Math.round((top100 / drawn.length) * 1000) / 1000,
    };
  }
  return out as Record<QueryModeCase, ModeFigure>;
}
