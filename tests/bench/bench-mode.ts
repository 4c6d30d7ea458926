/**
 * Sizes of a benchmark run. `full` is SPEC §9 (1,000,000 assertions, 10 s wrk
 * runs); `quick` is the same procedure scaled down to finish in about a
 * minute (the smoke test runs it). Figures from a quick run are not comparable
 * with the SPEC targets, which hold at 1,000,000 assertions (and a quick run
 * has too few keys to ask each once for a whole second: its "each key once"
 * runs wrap, which the result says).
 */
export interface BenchMode {
  name: "full" | "quick";
  /** Assertions loaded through the batch API (and into the baselines). */
  assertions: number;
  batchSize: number;
  /** Concurrent connections sending batches (StemeDB and PostgreSQL alike). */
  ingestConcurrency: number;
  /** SPEC §9: queries from 16 connections, single POSTs from 64 (wrk; pgbench as for queries). */
  queryConnections: number;
  postConnections: number;
  /** wrk and pgbench seconds per measured run. */
  seconds: number;
  /** Distinct pre-signed bodies for the single-POST run (wraps are reported). */
  singleBodies: number;
  /** Seconds per in-process CPU baseline (verify, prepare). */
  cpuSeconds: number;
}

export const MODES: Record<BenchMode["name"], BenchMode> = {
  full: {
    name: "full",
    assertions: 1_000_000,
    batchSize: 1000,
    ingestConcurrency: 4,
    queryConnections: 16,
    postConnections: 64,
    seconds: 10,
    singleBodies: 160_000,
    cpuSeconds: 2,
  },
  quick: {
    name: "quick",
    assertions: 20_000,
    batchSize: 1000,
    ingestConcurrency: 4,
    queryConnections: 16,
    postConnections: 64,
    seconds: 2,
    singleBodies: 20_000,
    cpuSeconds: 0.5,
  },
};
