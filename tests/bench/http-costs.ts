/**
 * What each layer of a request costs in-process (issue 17, deliverable 4c):
 * `app.fetch` of a GET answered with a typical `/v1/query` body, through a
 * Hono app that adds one middleware of the app shell at a time (request id,
 * security headers, metrics, access log, the query rate limit), then the whole
 * main app answering a real query from its answer cache, through the
 * middleware chain and through its fast path (src/http/query-fast-path.ts);
 * a plain function returning the same Response is the floor. Variants run in alternating
 * rounds; the figure is CPU µs per request (process CPU: the machine's load
 * does not count). Socket I/O and HTTP parsing are Bun's, outside this.
 *
 *   bun tests/bench/http-costs.ts [--requests N] [--rounds R]
 */
import { parseArgs } from "node:util";
import { Hono, type MiddlewareHandler } from "hono";
import { systemClock } from "../../src/clock.ts";
import { parseConfig } from "../../src/config.ts";
import { Engine } from "../../src/engine/engine.ts";
import { accessLog } from "../../src/http/access-log.ts";
import { createApp } from "../../src/http/app.ts";
import type { HttpEnv } from "../../src/http/http-env.ts";
import { httpMetrics } from "../../src/http/http-metrics.ts";
import { Metrics } from "../../src/http/metrics.ts";
import { rateLimiters } from "../../src/http/rate-limit.ts";
import { requestId } from "../../src/http/request-id.ts";
import { securityHeaders } from "../../src/http/security-headers.ts";
import { jsonLogger } from "../../src/logger.ts";
import { ChangeSlots } from "../../src/store/change-slots.ts";
import { prepare, testAgent } from "../helpers/agents.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "20000" },
    rounds: { type: "string", default: "5" },
  },
});
const N = Number(values.requests);

const ANSWER = {
  lens: "latest",
  tree_size: 100000,
  root: "ab".repeat(32),
  as_of_scope: "assertions",
  results: Array.from({ length: 4 }, (_, i) => ({
    concept: "org1/team1/svc1/api",
    predicate: `p${i}`,
    value: { state: "ok", build: 1 },
    confidence: 0.9,
    support: ["cd".repeat(32), "ef".repeat(32), "01".repeat(32)],
    agents: ["23".repeat(32), "45".repeat(32), "67".repeat(32)],
    conflict: true,
    agreement: 0.75,
    alternatives: [
      {
        value: { state: "degraded" },
        weight: 0.5,
        support: ["89".repeat(32)],
        agents: ["ab".repeat(32)],
      },
    ],
  })),
  next_cursor: null,
};
const config = parseConfig({ dataDir: "/nonexistent", port: 0 });
const logger = jsonLogger("info", () => {});
const metrics = new Metrics("bench");

/** A Hono app: `layers` in front of GET /v1/query answering ANSWER. */
function appWith(layers: MiddlewareHandler<HttpEnv>[], query: string[] = []) {
  const app = new Hono<HttpEnv>();
  for (const m of layers) app.use(m);
  for (const path of query) {
    for (const [p, limiter] of rateLimiters({ config, clock: systemClock }).routes)
      if (p === path) app.use(p, limiter);
  }
  app.get("/v1/query", (c) => c.json(ANSWER));
  return app;
}

using dir = tempDir();
const changes = ChangeSlots.allocate();
const engine = await Engine.open({ dataDir: dir.path, logger, changes });
const agent = testAgent(1);
await engine.ingest(
  [0, 1, 2, 3].map((i) =>
    prepare(
      agent.sign({ concept: "org1/team1/svc1/api", predicate: `p${i}`, value: { state: "ok" } }),
    ),
  ),
);
const main = createApp({ engine, config, logger, adminToken: "x".repeat(32), metrics, changes });
const chain = createApp({
  engine,
  config,
  logger,
  adminToken: "x".repeat(32),
  metrics: new Metrics("bench"),
  changes,
  queryFastPath: false,
});

const variants: [string, (r: Request) => Response | Promise<Response>][] = [
  [
    "plain function + JSON.stringify (floor)",
    () => new Response(JSON.stringify(ANSWER), { headers: { "content-type": "application/json" } }),
  ],
  ["Hono route only", appWith([]).fetch],
  ["+ request id", appWith([requestId()]).fetch],
  ["+ security headers", appWith([securityHeaders({ keepAlive: "timeout=75" })]).fetch],
  ["+ metrics", appWith([httpMetrics({ metrics })]).fetch],
  ["+ access log (debug off)", appWith([accessLog({ logger })]).fetch],
  ["+ query rate limit", appWith([], ["/v1/query"]).fetch],
  [
    "all of the above",
    appWith(
      [
        requestId(),
        securityHeaders({ keepAlive: "timeout=75" }),
        httpMetrics({ metrics }),
        accessLog({ logger }),
      ],
      ["/v1/query"],
    ).fetch,
  ],
  ["main app, real query, cache hit, middleware chain", chain.fetch],
  ["main app, real query, cache hit, fast path", main.fetch],
];
const url = "http://127.0.0.1/v1/query?concept=org1/team1/svc1/api";
const cpu = new Map<string, number[]>();
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const [name, fetch] of order) {
    for (let i = 0; i < 500; i++) await (await fetch(new Request(url))).text();
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) await (await fetch(new Request(url))).text();
    const c = process.cpuUsage(c0);
    cpu.set(name, [...(cpu.get(name) ?? []), (c.user + c.system) / N]);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const floor = median(cpu.get(variants[0]?.[0] ?? "") ?? [0]);
const hono = median(cpu.get("Hono route only") ?? [0]);
console.log("| variant | CPU µs/request | over Hono route only |\n|---|---|---|");
for (const [name] of variants) {
  const m = median(cpu.get(name) ?? []);
  console.log(
    `| ${name} | ${m.toFixed(1)} | ${name.startsWith("+") || name.startsWith("all") ? `+${(m - hono).toFixed(1)}` : ""} |`,
  );
}
console.log(`(floor ${floor.toFixed(1)} µs)`);
await engine.close();
