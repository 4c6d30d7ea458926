/**
 * In-process query throughput (no HTTP) of single-key `latest` queries, exact
 * and tail, over 200k synthetic assertions in a temp-file State. A
 * micro-benchmark, not a test (`bun test` only picks up *.test.ts):
 *
 *   npx bun tests/bench/lens-query.ts [rows]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseQueryParams } from "../../src/lens/query-params.ts";
import { runQuery } from "../../src/lens/run-query.ts";
import { LensFixture } from "../unit/lens/lens-fixture.ts";

const ROWS = Number(process.argv[2] ?? 200_000);
const KEYS = ROWS / 4; // four agents' claims per key on average
const PREDICATES = ["status", "owner", "version", "health"];

const dir = mkdtempSync(join(tmpdir(), "stemedb-lens-bench-"));
const fx = new LensFixture(join(dir, "db", "state.sqlite"));
const agents = Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(64, "0"));

const conceptOf = (k: number) => `org${k % 37}/team${k % 101}/svc${k}`;
let t = performance.now();
const BATCH = 10_000;
for (let from = 0; from < ROWS; from += BATCH) {
  fx.state.transaction(() => {
    for (let i = from; i < Math.min(ROWS, from + BATCH); i++) {
      const k = (i * 7919) % KEYS; // spread each key's rows over the seq range
      fx.add({
        concept: conceptOf(Math.floor(k / PREDICATES.length)),
        predicate: PREDICATES[k % PREDICATES.length],
        agent: agents[i % agents.length],
        value: { state: i % 3 === 0 ? "ok" : "degraded" },
        confidence: (i % 10) / 10,
        ts: 1_700_000_000_000 + i,
      });
    }
  });
}
console.log(`${ROWS} rows loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);

function measure(name: string, inputOf: (i: number) => Record<string, string>): void {
  for (let w = 0; w < 20_000; w++)
    runQuery(fx, parseQueryParams(inputOf(w), "query"), { defaultTrust: 0.5 });
  const latencies: number[] = [];
  let results = 0;
  const until = performance.now() + 3000;
  let i = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() < until) {
    const q0 = performance.now();
    const params = parseQueryParams(inputOf(i++), "query");
    results += runQuery(fx, params, { defaultTrust: 0.5 }).results.length;
    latencies.push(performance.now() - q0);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  latencies.sort((a, b) => a - b);
  const p = (q: number) => (latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(3);
  console.log(
    `${name}: ${Math.round(latencies.length / seconds)} q/s wall, ` +
      `${Math.round(latencies.length / cpuSeconds)} q per CPU-second, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, ` +
      `${(results / latencies.length).toFixed(2)} results/query`,
  );
}

const keyCount = KEYS / PREDICATES.length;
const pick = (i: number) => (i * 104_729) % keyCount;
for (const analyzed of [false, true]) {
  if (analyzed) {
    t = performance.now();
    fx.state.db.run("ANALYZE");
    console.log(`ANALYZE in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  measure(`exact+latest (${analyzed ? "" : "no "}ANALYZE)`, (i) => ({
    concept: conceptOf(pick(i)),
    predicate: "status",
  }));
  measure(`tail+latest  (${analyzed ? "" : "no "}ANALYZE)`, (i) => ({
    concept: `svc${pick(i)}`,
    match: "tail",
    predicate: "status",
  }));
  measure(`exact+consensus, all predicates (${analyzed ? "" : "no "}ANALYZE)`, (i) => ({
    concept: conceptOf(pick(i)),
    lens: "consensus",
  }));
}

fx.close();
rmSync(dir, { recursive: true, force: true });
