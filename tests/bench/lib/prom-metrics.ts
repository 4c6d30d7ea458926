/**
 * Server-side figures from the server's own `/metrics` (Prometheus text): the
 * `stemedb_http_request_duration_seconds` histogram by route, and counters. A
 * figure is the difference of two scrapes around a run. Quantiles are
 * interpolated linearly inside the histogram bucket that holds them, as
 * Prometheus' `histogram_quantile` does — so they are estimates, bounded by the
 * bucket edges (0.5, 1, 2.5, 5, 10, 25 … ms); `fractionWithin` is exact at an edge.
 */

export type Sample = { name: string; labels: Record<string, string>; value: number };

export async function scrape(baseUrl: string): Promise<Sample[]> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] as string] = l[2] as string;
    }
    samples.push({ name: m[1] as string, labels, value: Number(m[4]) });
  }
  return samples;
}

const matches = (s: Sample, name: string, want: Record<string, string>) =>
  s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v);

/** Sum of `name`{labels} in `after` minus in `before`. */
export function counterDelta(
  before: Sample[],
  after: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const sum = (xs: Sample[]) =>
    xs.filter((s) => matches(s, name, labels)).reduce((a, s) => a + s.value, 0);
  return sum(after) - sum(before);
}

export interface HistogramDelta {
  count: number;
  meanMs: number;
  /** [upper bound in seconds, cumulative count], ascending, +Inf last. */
  buckets: [number, number][];
}

export function histogramDelta(
  before: Sample[],
  after: Sample[],
  name: string,
  labels: Record<string, string>,
): HistogramDelta {
  const bucketsOf = (xs: Sample[]) => {
    const map = new Map<number, number>();
    for (const s of xs) {
      if (!matches(s, `${name}_bucket`, labels)) continue;
      const le = s.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      map.set(le, (map.get(le) ?? 0) + s.value);
    }
    return map;
  };
  const b0 = bucketsOf(before);
  const b1 = bucketsOf(after);
  const buckets = [...b1.entries()]
    .map(([le, n]): [number, number] => [le, n - (b0.get(le) ?? 0)])
    .sort((a, b) => a[0] - b[0]);
  const count = counterDelta(before, after, `${name}_count`, labels);
  const sum = counterDelta(before, after, `${name}_sum`, labels);
  return { count, meanMs: count > 0 ? (sum / count) * 1000 : 0, buckets };
}

/** The q-quantile in ms, interpolated within its bucket (histogram_quantile). */
export function quantileMs(h: HistogramDelta, q: number): number {
  if (h.count === 0) return Number.NaN;
  const rank = q * h.count;
  let lower = 0;
  let below = 0;
  for (const [le, cumulative] of h.buckets) {
    if (cumulative >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lower * 1000; // beyond the last edge
      const inBucket = cumulative - below;
      const fraction = inBucket === 0 ? 1 : (rank - below) / inBucket;
      return (lower + (le - lower) * fraction) * 1000;
    }
    lower = le;
    below = cumulative;
  }
  return Number.NaN;
}

/** Edges [lower, upper] in ms of the bucket that holds the q-quantile. */
export function quantileBucketMs(h: HistogramDelta, q: number): [number, number] {
  const rank = q * h.count;
  let lower = 0;
  for (const [le, cumulative] of h.buckets) {
    if (cumulative >= rank) return [lower * 1000, le * 1000];
    lower = le;
  }
  return [Number.NaN, Number.NaN];
}

/** Exact share of requests that took ≤ `edgeMs` (must be a bucket edge). */
export function fractionWithin(h: HistogramDelta, edgeMs: number): number {
  const bucket = h.buckets.find(([le]) => Math.abs(le * 1000 - edgeMs) < 1e-9);
  if (bucket === undefined || h.count === 0) return Number.NaN;
  return bucket[1] / h.count;
}
