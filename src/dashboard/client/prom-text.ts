/**
 * Reads the server's own figures from `GET /metrics` (Prometheus text
 * exposition 0.0.4): the ingest counters and the request-duration histogram of
 * `POST /v1/assert`. Two scrapes give the live ingest rate and latency over
 * the interval between them, the way Prometheus's `rate()` and
 * `histogram_quantile()` would.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePromText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** The figures the overview derives its live rates from, at one scrape. */
export interface IngestFigures {
  at: number;
  /** stemedb_ingest_assertions_total by status. */
  ingested: Record<string, number>;
  /** POST /v1/assert request-duration histogram: cumulative bucket counts by `le`, sum, count. */
  assertBuckets: [number, number][];
  assertSum: number;
  assertCount: number;
}

export function ingestFigures(samples: Sample[], at: number): IngestFigures {
  const ingested: Record<string, number> = {};
  const buckets: [number, number][] = [];
  let sum = 0;
  let n = 0;
  for (const s of samples) {
    if (s.name === "stemedb_ingest_assertions_total") {
      ingested[s.labels.status ?? "?"] = s.value;
      continue;
    }
    const isAssert = s.labels.method === "POST" && s.labels.route === "/v1/assert";
    if (!isAssert) continue;
    if (s.name === "stemedb_http_request_duration_seconds_bucket") {
      buckets.push([Number(s.labels.le === "+Inf" ? Infinity : s.labels.le), s.value]);
    } else if (s.name === "stemedb_http_request_duration_seconds_sum") sum = s.value;
    else if (s.name === "stemedb_http_request_duration_seconds_count") n = s.value;
  }
  buckets.sort((a, b) => a[0] - b[0]);
  return { at, ingested, assertBuckets: buckets, assertSum: sum, assertCount: n };
}

export interface LiveRates {
  /** Recorded assertions (accepted + quarantined) per second. */
  perSecond: number;
  /** All submissions per second, duplicates and rejections included. */
  submittedPerSecond: number;
  /** Mean and p99 duration of POST /v1/assert in the interval, in ms (undefined: no requests). */
  meanMs: number | undefined;
  p99Ms: number | undefined;
  requests: number;
}

const total = (r: Record<string, number>, keys?: string[]) =>
  Object.entries(r)
    .filter(([k]) => keys === undefined || keys.includes(k))
    .reduce((a, [, v]) => a + v, 0);

export function liveRates(prev: IngestFigures, cur: IngestFigures): LiveRates {
  const seconds = Math.max((cur.at - prev.at) / 1000, 0.001);
  const recorded = ["accepted", "quarantined"];
  const requests = cur.assertCount - prev.assertCount;
  return {
    perSecond: (total(cur.ingested, recorded) - total(prev.ingested, recorded)) / seconds,
    submittedPerSecond: (total(cur.ingested) - total(prev.ingested)) / seconds,
    meanMs: requests > 0 ? ((cur.assertSum - prev.assertSum) / requests) * 1000 : undefined,
    p99Ms: requests > 0 ? quantileMs(prev.assertBuckets, cur.assertBuckets, 0.99) : undefined,
    requests,
  };
}

/** histogram_quantile over the bucket deltas, linear inside the bucket; the last finite bound caps it. */
function quantileMs(prev: [number, number][], cur: [number, number][], q: number): number {
  const before = new Map(prev);
  const deltas = cur.map(([le, c]) => [le, c - (before.get(le) ?? 0)] as const);
  const n = deltas[deltas.length - 1]?.[1] ?? 0;
  const rank = q * n;
  let lower = 0;
  let below = 0;
  for (const [le, c] of deltas) {
    if (c >= rank) {
      if (le === Infinity) return lower * 1000;
      const inBucket = c - below;
      return (lower + (inBucket > 0 ? ((rank - below) / inBucket) * (le - lower) : 0)) * 1000;
    }
    lower = le;
    below = c;
  }
  return lower * 1000;
}
