/**
 * Sizes of a benchmark run. `full` is SPEC §9 (1,000,000 assertions, 10 s wrk
 * runs); `quick` is the same procedure scaled down to finish in under a minute
 * (the smoke test runs it). Figures from a quick run are not comparable with
 * the SPEC targets, which assume 1,000,000 assertions.
 */
export interface BenchMode {
  name: "full" | "quick";
  /** Assertions loaded through the batch API (and into the baselines). */
  assertions: number;
  batchSize: number;
  /** Concurrent connections sending batches (StemeDB and PostgreSQL alike). */
  ingestConcurrency: number;
  agents: number;
  /** wrk and pgbench: connections and seconds per measured run. */
  connections: number;
  seconds: number;
  /** Unmeasured wrk run before each query run. */
  warmupSeconds: number;
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
    agents: 1000,
    connections: 64,
    seconds: 10,
    warmupSeconds: 2,
    singleBodies: 160_000,
    cpuSeconds: 2,
  },
  quick: {
    name: "quick",
    assertions: 20_000,
    batchSize: 1000,
    ingestConcurrency: 4,
    agents: 1000,
    connections: 64,
    seconds: 2,
    warmupSeconds: 0,
    singleBodies: 40_000,
    cpuSeconds: 0.5,
  },
};
