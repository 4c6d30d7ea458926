/**
 * Prometheus metrics (SPEC §3 `/metrics`), one prom-client `Registry` per app
 * instance so tests and several servers in one process never share counters.
 * Names follow Prometheus conventions: `stemedb_` prefix, `_total` counters,
 * base units in the name (`_seconds`, `_bytes`).
 *
 * Durability figures come from the segment log: `onFsync` is its per-batch
 * callback, passed to the engine's log options by whoever opens the engine
 * (`startServer`), so the fsync and batch-size histograms are exact.
 */

import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from "prom-client";
import type { AgentBreakerStatus } from "../defense/agent-breaker.ts";
import { BREAKER_STATE_VALUE, type BreakerState } from "../defense/circuit-breaker.ts";
import { QUARANTINE_REASONS } from "../defense/quarantine-reason.ts";
import type { AnswerCacheObserver } from "../lens/answer-cache.ts";
import type { LogFigures, StreamFigures } from "../log/engine-log.ts";

/** What a scrape reads from the engine. */
export interface EngineFigures {
  ready: boolean;
  tree: { size: number };
  /** The segment log's size, or (cluster mode) the stream's position and this node's lag. */
  log: { figures(): LogFigures };
  storageBreaker?: { readonly state: BreakerState };
}

export type BreakerName = "storage" | "agent";

/** Metrics as `Registry.getMetricsAsJSON()` gives them, the form that crosses threads. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * What a reader thread counts (SPEC §11): its requests, their latency, its
 * rate-limit refusals and what it forwarded. The main thread's `/metrics` adds
 * these to its own (`addPeer`); everything else is the main thread's alone.
 */
const PER_THREAD_METRICS: ReadonlySet<string> = new Set([
  "stemedb_http_requests_total",
  "stemedb_http_request_duration_seconds",
  "stemedb_http_thread_requests_total",
  "stemedb_http_forwarded_total",
  "stemedb_http_prepared_writes_total",
  "stemedb_rate_limited_total",
  "stemedb_query_cache_hits_total",
  "stemedb_query_cache_misses_total",
  "stemedb_query_cache_entries",
  "stemedb_query_cache_bytes",
]);

/** The labels of `stemedb_http_requests_total`. */
export interface RequestLabels {
  method: string;
  route: string;
  status: string;
}

/** Requests counted but not yet added to the counters (`Metrics.requestTally`). */
export interface RequestTally {
  readonly labels: Readonly<RequestLabels>;
  count: number;
}

/** What a scrape reads about quarantine (`engine.state.quarantine`). */
export interface QuarantineFigures {
  pendingCount(): number;
  flaggedAfter(afterSeq: number): { lastSeq: number; byReason: Map<string, number> };
}

const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const FSYNC_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<"method" | "route" | "status">;
  readonly requestDuration: Histogram<"method" | "route">;
  readonly ingested: Counter<"status">;
  readonly fsyncDuration: Histogram;
  readonly commitBatch: Histogram;
  readonly breakerTransitions: Counter<"breaker" | "to">;
  readonly rateLimited: Counter<"class" | "route">;
  /** Requests answered per thread (`main`, `reader-1`, …): how the kernel spread connections. */
  readonly threadRequests: Counter<"thread">;
  /** Requests a reader thread sent on to the main thread. */
  readonly forwarded: Counter<"thread">;
  readonly preparedWrites: Counter<"thread">;
  /** HTTP threads listening (SPEC §11), kept by `ReaderThreads`. */
  readonly readerThreads: Gauge;
  /** HTTP threads started to replace one that died (`ReaderThreads`). */
  readonly httpThreadRestarts: Counter<"thread">;
  /** This thread's answer cache (src/lens/answer-cache.ts): hits, misses, entries, bytes. */
  readonly queryCache: AnswerCacheObserver;
  /** This registry's thread name, the `thread` label of its counts. */
  readonly thread: string;
  readonly #peers: (() => Promise<MetricsJson>)[] = [];
  readonly #tallies: RequestTally[] = [];
  readonly #breakerState: Gauge<"breaker">;
  readonly #agentBreakersOpen: Gauge;
  readonly quarantined: Counter<"reason">;
  readonly #quarantinePending: Gauge;
  /** Last seq counted into `quarantined` (it is read from the state, incrementally). */
  #quarantinedSeq = 0;
  readonly #treeSize: Gauge;
  readonly #ready: Gauge;
  readonly #segments: Gauge;
  readonly #logBytes: Gauge;
  readonly #rss: Gauge;
  /** Cluster mode only (SPEC §10): created on the first exposition that has cluster figures. */
  #cluster: ClusterGauges | undefined;
  /** Apply failures already counted into `stemedb_cluster_apply_failures_total`. */
  #applyFailuresSeen = 0;

  constructor(version: string, thread = "main") {
    const registers = [this.registry];
    this.thread = thread;
    const collect = () => this.#addTallies();
    this.requests = new Counter({
      name: "stemedb_http_requests_total",
      help: "HTTP requests answered, by method, route template and status code",
      labelNames: ["method", "route", "status"],
      registers,
      collect,
    });
    this.requestDuration = new Histogram({
      name: "stemedb_http_request_duration_seconds",
      help: "HTTP request duration, from first middleware to response, by method and route template",
      labelNames: ["method", "route"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.ingested = new Counter({
      name: "stemedb_ingest_assertions_total",
      help: "Assertions submitted, by outcome: accepted, quarantined, duplicate, rejected",
      labelNames: ["status"],
      registers,
    });
    this.fsyncDuration = new Histogram({
      name: "stemedb_log_fsync_duration_seconds",
      help: "Segment log group-commit fdatasync duration",
      buckets: FSYNC_BUCKETS,
      registers,
    });
    this.commitBatch = new Histogram({
      name: "stemedb_log_commit_batch_records",
      help: "Records per group commit (one write + one fdatasync)",
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.breakerTransitions = new Counter({
      name: "stemedb_breaker_transitions_total",
      help: "Circuit breaker state changes, by breaker (storage, agent) and new state",
      labelNames: ["breaker", "to"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "stemedb_rate_limited_total",
      help: "Requests (assert, query, admin per IP) and assertions (agent) refused by a rate limit",
      labelNames: ["class", "route"],
      registers,
    });
    this.threadRequests = new Counter({
      name: "stemedb_http_thread_requests_total",
      help: "HTTP requests answered, by the thread that answered them (main, reader-N)",
      labelNames: ["thread"],
      registers,
      collect,
    });
    this.forwarded = new Counter({
      name: "stemedb_http_forwarded_total",
      help: "Requests a reader thread forwarded to the main thread (writes, admin, health, metrics)",
      labelNames: ["thread"],
      registers,
    });
    this.preparedWrites = new Counter({
      name: "stemedb_http_prepared_writes_total",
      help: "Writes a reader thread parsed and verified itself and forwarded prepared (SPEC §11)",
      labelNames: ["thread"],
      registers,
    });
    this.readerThreads = gauge(
      registers,
      "stemedb_reader_threads",
      "HTTP threads (reader-N) listening on the port, beside the main thread if it listens too",
    );
    this.httpThreadRestarts = new Counter({
      name: "stemedb_http_thread_restarts_total",
      help: "HTTP threads started to replace one that died after it listened (uncaught exception, exit), by thread name; one per attempt, so a thread that keeps dying keeps counting",
      labelNames: ["thread"],
      registers,
    });
    this.queryCache = queryCacheMetrics(registers);
    this.#breakerState = new Gauge({
      name: "stemedb_breaker_state",
      help: "Circuit breaker state: 0 closed, 1 half-open, 2 open",
      labelNames: ["breaker"],
      registers,
    });
    this.#breakerState.set({ breaker: "storage" }, 0);
    this.#agentBreakersOpen = gauge(
      registers,
      "stemedb_agent_breakers_open",
      "Agents whose circuit breaker is open (their submissions are refused)",
    );
    this.quarantined = new Counter({
      name: "stemedb_quarantined_total",
      help: "Assertions quarantined, by reason (one with two reasons counts under both); read from the state, so it survives restarts",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of QUARANTINE_REASONS) this.quarantined.inc({ reason }, 0);
    this.#quarantinePending = gauge(
      registers,
      "stemedb_quarantine_pending",
      "Quarantined assertions awaiting review (status quarantined)",
    );
    this.#treeSize = gauge(
      registers,
      "stemedb_merkle_tree_size",
      "Leaves in the Merkle tree (recorded assertions)",
    );
    this.#ready = gauge(registers, "stemedb_ready", "1 when the engine takes writes, else 0");
    this.#segments = gauge(registers, "stemedb_log_segments", "Segment files in the log");
    this.#logBytes = gauge(registers, "stemedb_log_size_bytes", "Bytes in all segment files");
    this.#rss = gauge(registers, "stemedb_process_resident_memory_bytes", "Resident set size");
    const start = gauge(
      registers,
      "stemedb_process_start_time_seconds",
      "Process start, Unix seconds",
    );
    start.set(Math.floor((Date.now() - performance.now()) / 1000));
    new Gauge({
      name: "stemedb_build_info",
      help: "Always 1; the version label says which build runs",
      labelNames: ["version"],
      registers,
    }).set({ version }, 1);
  }

  /** The segment log's per-batch callback (its `onFsync` option). */
  readonly onFsync = (durationSeconds: number, batchRecords: number): void => {
    this.fsyncDuration.observe(durationSeconds);
    this.commitBatch.observe(batchRecords);
  };

  /** A breaker changed state (the breakers' `onTransition` hook). */
  readonly breakerTransition = (breaker: BreakerName, to: BreakerState): void => {
    this.breakerTransitions.inc({ breaker, to });
  };

  /** A rate limit refused something; `route` is the route template. */
  readonly rateLimitedHit = (rateClass: string, route: string): void => {
    this.rateLimited.inc({ class: rateClass, route });
  };

  /** Reads the agent breakers' figure into its gauge; call before every exposition. */
  observeAgentBreakers(status: AgentBreakerStatus | undefined): void {
    this.#agentBreakersOpen.set(status?.openCount() ?? 0);
  }

  /** Reads the quarantine figures: the pending gauge, and decisions recorded since the last scrape. */
  observeQuarantine(q: QuarantineFigures): void {
    this.#quarantinePending.set(q.pendingCount());
    const { lastSeq, byReason } = q.flaggedAfter(this.#quarantinedSeq);
    for (const [reason, n] of byReason) this.quarantined.inc({ reason }, n);
    this.#quarantinedSeq = lastSeq;
  }

  /** Reads the engine's figures into the gauges; call before every exposition. */
  observeEngine(engine: EngineFigures): void {
    this.#treeSize.set(engine.tree.size);
    this.#ready.set(engine.ready ? 1 : 0);
    const storage = engine.storageBreaker?.state ?? "closed";
    this.#breakerState.set({ breaker: "storage" }, BREAKER_STATE_VALUE[storage]);
    const log = engine.log.figures();
    this.#segments.set(log.kind === "segments" ? log.segments : 0);
    this.#logBytes.set(log.kind === "segments" ? log.bytes : 0);
    this.#rss.set(process.memoryUsage.rss());
    if (log.kind === "stream") this.#observeCluster(log);
  }

  /** Cluster mode (SPEC §10): stream position, lag, retention loss and apply failures. */
  #observeCluster(f: StreamFigures): void {
    this.#cluster ??= clusterGauges([this.registry]);
    const g = this.#cluster;
    g.stream.set(f.streamLsn);
    g.streamFirst.set(f.streamFirstLsn);
    g.applied.set(f.appliedLsn);
    g.lag.set(f.lagRecords);
    g.behind.set(f.behindStream ? 1 : 0);
    g.applyFailing.set(f.applyError === undefined ? 0 : 1);
    g.applyFailures.inc(f.applyFailures - this.#applyFailuresSeen);
    this.#applyFailuresSeen = f.applyFailures;
  }

  /**
   * A count of requests with these labels kept as a plain number (the query
   * fast path's answers: no label hashing per request), added to `requests`
   * and `threadRequests` whenever either is read.
   */
  requestTally(labels: RequestLabels): RequestTally {
    const tally = { labels: Object.freeze({ ...labels }), count: 0 };
    this.#tallies.push(tally);
    return tally;
  }

  #addTallies(): void {
    for (const tally of this.#tallies) {
      if (tally.count === 0) continue;
      this.requests.inc(tally.labels, tally.count);
      this.threadRequests.inc({ thread: this.thread }, tally.count);
      tally.count = 0;
    }
  }

  /** Adds a reader thread's counts (its `perThreadJson()`) to every exposition. */
  addPeer(source: () => Promise<MetricsJson>): void {
    this.#peers.push(source);
  }

  /** This thread's share of the per-thread metrics, for the main thread to add up. */
  async perThreadJson(): Promise<MetricsJson> {
    return (await this.registry.getMetricsAsJSON()).filter((m) => PER_THREAD_METRICS.has(m.name));
  }

  /**
   * Prometheus text exposition and its content type: this registry, plus the
   * peers' counts summed in (prom-client's cluster aggregation: counters and
   * histogram buckets add up per label set).
   */
  async exposition(): Promise<{ body: string; contentType: string }> {
    if (this.#peers.length === 0) {
      return { body: await this.registry.metrics(), contentType: this.registry.contentType };
    }
    const all = await Promise.all([
      this.registry.getMetricsAsJSON(),
      ...this.#peers.map((peer) => peer()),
    ]);
    const merged = AggregatorRegistry.aggregate(all);
    return { body: await merged.metrics(), contentType: this.registry.contentType };
  }
}

/** The answer cache's figures; each thread's, summed across threads at scrape time. */
/** Hits and misses are plain numbers added to their counters whenever these are read (one per query). */
function queryCacheMetrics(registers: Registry[]): AnswerCacheObserver {
  const pending = { hits: 0, misses: 0 };
  const counter = (name: string, help: string, of: keyof typeof pending): Counter => {
    const c: Counter = new Counter({
      name,
      help,
      registers,
      collect: () => {
        if (pending[of] > 0) c.inc(pending[of]);
        pending[of] = 0;
      },
    });
    return c;
  };
  counter("stemedb_query_cache_hits_total", "Queries answered from an answer cache", "hits");
  counter(
    "stemedb_query_cache_misses_total",
    "Cacheable queries (a concept, no as_of or cursor) answered from the state",
    "misses",
  );
  const entries = gauge(registers, "stemedb_query_cache_entries", "Answers held by the caches");
  const bytes = gauge(registers, "stemedb_query_cache_bytes", "Estimated bytes of cached answers");
  return {
    hit: () => {
      pending.hits++;
    },
    miss: () => {
      pending.misses++;
    },
    resized: (n, b) => {
      entries.set(n);
      bytes.set(b);
    },
  };
}

function gauge(registers: Registry[], name: string, help: string): Gauge {
  return new Gauge({ name, help, registers });
}

interface ClusterGauges {
  stream: Gauge;
  streamFirst: Gauge;
  applied: Gauge;
  lag: Gauge;
  behind: Gauge;
  applyFailing: Gauge;
  applyFailures: Counter;
}

function clusterGauges(registers: Registry[]): ClusterGauges {
  return {
    stream: gauge(
      registers,
      "stemedb_cluster_stream_lsn",
      "Last sequence in the JetStream stream (cluster mode)",
    ),
    streamFirst: gauge(
      registers,
      "stemedb_cluster_stream_first_lsn",
      "First sequence the JetStream stream still holds (its retention dropped the older ones)",
    ),
    applied: gauge(
      registers,
      "stemedb_cluster_applied_lsn",
      "Last stream sequence applied on this node",
    ),
    lag: gauge(
      registers,
      "stemedb_cluster_lag_records",
      "Stream records not yet applied on this node",
    ),
    behind: gauge(
      registers,
      "stemedb_cluster_behind_stream",
      "1 when the stream's retention dropped records this node had not applied: it stopped following and must be restored from a backup",
    ),
    applyFailing: gauge(
      registers,
      "stemedb_cluster_apply_failing",
      "1 while stream records fail to apply on this node (it retries; not ready)",
    ),
    applyFailures: new Counter({
      name: "stemedb_cluster_apply_failures_total",
      help: "Batches of stream records that failed to apply on this node (each is retried)",
      registers,
    }),
  };
}
