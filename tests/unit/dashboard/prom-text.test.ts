/**
 * The overview's live ingest figures (src/dashboard/client/prom-text.ts) read
 * from the server's real /metrics text (prom-client through `Metrics`): the
 * rate from the ingest counters, and mean and p99 of POST /v1/assert from the
 * request-duration histogram between two scrapes, as Prometheus's rate() and
 * histogram_quantile() would compute them.
 */
import { expect, test } from "bun:test";
import {
  ingestFigures,
  liveRates,
  parsePromText,
} from "../../../src/dashboard/client/prom-text.ts";
import { Metrics } from "../../../src/http/metrics.ts";

const scrape = async (m: Metrics, at: number) =>
  ingestFigures(parsePromText((await m.exposition()).body), at);

test("parses labels, escaped quotes and +Inf buckets", () => {
  const samples = parsePromText(
    '# HELP x y\nx_total{a="1",b="q\\"uote"} 3\nh_bucket{le="+Inf"} 7\nplain 1.5e3\n',
  );
  expect(samples).toEqual([
    { name: "x_total", labels: { a: "1", b: 'q\\"uote' }, value: 3 },
    { name: "h_bucket", labels: { le: "+Inf" }, value: 7 },
    { name: "plain", labels: {}, value: 1500 },
  ]);
});

test("rate, mean and p99 over the interval between two scrapes of the real registry", async () => {
  const m = new Metrics("test");
  const before = await scrape(m, 0);
  for (let i = 0; i < 90; i++) m.ingested.inc({ status: "accepted" });
  for (let i = 0; i < 10; i++) m.ingested.inc({ status: "quarantined" });
  for (let i = 0; i < 50; i++) m.ingested.inc({ status: "duplicate" });
  // 100 writes: 98 in the 1–2.5 ms bucket, 2 in the 50–100 ms bucket; other routes ignored.
  const route = { method: "POST", route: "/v1/assert" };
  for (let i = 0; i < 98; i++) m.requestDuration.observe(route, 0.002);
  for (let i = 0; i < 2; i++) m.requestDuration.observe(route, 0.08);
  m.requestDuration.observe({ method: "GET", route: "/v1/query" }, 4);
  const after = await scrape(m, 2000);

  const r = liveRates(before, after);
  expect(r.perSecond).toBe(50); // (90 + 10) recorded / 2 s
  expect(r.submittedPerSecond).toBe(75); // duplicates count as submitted
  expect(r.requests).toBe(100);
  expect(r.meanMs).toBeCloseTo((98 * 2 + 2 * 80) / 100, 6);
  // rank 99 of 100 falls in (0.05, 0.1]: 1 of its 2 → halfway, 75 ms.
  expect(r.p99Ms).toBeCloseTo(75, 6);
});

test("no writes in the interval: no latency, zero rate", async () => {
  const m = new Metrics("test");
  const a = await scrape(m, 0);
  const b = await scrape(m, 1000);
  expect(liveRates(a, b)).toEqual({
    perSecond: 0,
    submittedPerSecond: 0,
    meanMs: undefined,
    p99Ms: undefined,
    requests: 0,
  });
});
