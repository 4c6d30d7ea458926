/**
 * Cost of the quarantine policy (SPEC §6) per assertion, measured where it
 * runs: `classify` against a real State, as the engine calls it inside the
 * commit. A benchmark, not a test:
 *
 *   npx bun tests/bench/quarantine-policy.ts [n]
 *
 * Cases: the defaults on distinct keys (the SPEC §9 benchmark's shape); each
 * rule alone; once some agents have trust in the registry (so the
 * contradiction rule must look at keys): distinct keys (one state read each),
 * a key holding a strong consensus of 5 trusted agents claimed by 20 others
 * with the same value and with another one, and hot keys whose 5 agents
 * updated them 100 and 1,000 times. Then whole commits: `engine.ingest` of
 * 1,000-item groups with and without the policy.
 */
import { rmSync } from "node:fs";
import { parseConfig } from "../../src/config.ts";
import { quarantinePolicy } from "../../src/defense/quarantine-policy.ts";
import { Engine } from "../../src/engine/engine.ts";
import { acceptAll, type IngestPolicy } from "../../src/ingest-policy.ts";
import { silentLogger } from "../../src/logger.ts";
import type { PreparedAssertion } from "../../src/protocol/assertion.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { signer, TestClock } from "../unit/defense/quarantine-fixture.ts";

const N = Number(process.argv[2] ?? 20_000);
const clock = new TestClock();
const config = parseConfig({});
const signers = Array.from({ length: 200 }, (_, i) => signer(1000 + i, clock));
const pick = (i: number) => signers[i % signers.length] as ReturnType<typeof signer>;

const GROUP = 1000;

/**
 * µs per `classify`, in groups of 1,000 separated by a microtask turn as the
 * engine's commit groups are (rules reset their per-group memory); the best of
 * three rounds with a fresh policy each, since the machine is shared.
 */
async function microsPerItem(
  makePolicy: () => IngestPolicy,
  engine: Engine,
  items: PreparedAssertion[],
): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const policy = makePolicy(); // fresh memory each round: the flood counts start at zero
    let spent = 0;
    for (let i = 0; i < items.length; i += GROUP) {
      const group = items.slice(i, i + GROUP);
      const t = performance.now();
      for (const item of group) policy.classify(item, engine.state);
      spent += performance.now() - t;
      await Promise.resolve();
    }
    best = Math.min(best, (spent * 1000) / items.length);
  }
  return best;
}

async function withEngine<T>(policy: IngestPolicy, fn: (e: Engine) => Promise<T>): Promise<T> {
  const dir = tempDir("stemedb-qbench-");
  const engine = await Engine.open({ dataDir: dir.path, logger: silentLogger, clock, policy });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
    rmSync(dir.path, { recursive: true, force: true });
  }
}

const distinct = Array.from({ length: N }, (_, i) =>
  pick(i).claim({ concept: `bench/svc-${i}`, predicate: "status", value: { state: "ok", n: i } }),
);
const only = (overrides: Record<string, unknown>) =>
  quarantinePolicy(
    parseConfig({
      quarantineSuspicious: false,
      quarantineContradiction: false,
      floodPerKeyPerMinute: 0,
      ...overrides,
    }),
    clock,
  );

const rows: [string, number][] = [];
await withEngine(acceptAll, async (engine) => {
  // Some stored history so the indexes are not trivially empty.
  for (let i = 0; i < 20; i++) {
    await engine.ingest(
      Array.from({ length: 1000 }, (_, j) =>
        pick(j).claim({ concept: `bench/old-${i}-${j}`, value: j }),
      ),
    );
  }
  rows.push([
    "defaults, distinct keys",
    await microsPerItem(() => quarantinePolicy(config, clock), engine, distinct),
  ]);
  rows.push([
    "content rule alone",
    await microsPerItem(() => only({ quarantineSuspicious: true }), engine, distinct),
  ]);
  rows.push([
    "contradiction rule alone",
    await microsPerItem(() => only({ quarantineContradiction: true }), engine, distinct),
  ]);
  rows.push([
    "flood rule alone",
    await microsPerItem(() => only({ floodPerKeyPerMinute: 120 }), engine, distinct),
  ]);
  rows.push([
    "probation rule alone",
    await microsPerItem(() => only({ agentPolicy: "probation" }), engine, distinct),
  ]);

  // A strong consensus: 5 trusted agents agree on the key.
  const trusted = signers.slice(0, 5);
  for (const s of trusted) await engine.updateAgent({ agent: s.agent, trust: 0.9 });
  await engine.ingest(trusted.map((s) => s.claim({ concept: "bench/strong", value: "up" })));
  // 2,000 claims by 20 other agents: 100 each, below the flood limit; ≤ 25 agents on the key.
  const others = (value: string, concept = "bench/strong") =>
    Array.from({ length: 2000 }, (_, i) =>
      pick(5 + (i % 20)).claim({ concept, value, ts: clock.ms - 3000 - i }),
    );
  const fresh = Array.from({ length: N }, (_, i) =>
    pick(5 + (i % 195)).claim({ concept: `bench/trusted-${i}`, value: i }),
  );
  rows.push([
    "defaults, trust in use, distinct keys (one read)",
    await microsPerItem(() => quarantinePolicy(config, clock), engine, fresh),
  ]);
  rows.push([
    "defaults, strong consensus, same value",
    await microsPerItem(() => quarantinePolicy(config, clock), engine, others("up")),
  ]);
  rows.push([
    "defaults, strong consensus, contradicting",
    await microsPerItem(() => quarantinePolicy(config, clock), engine, others("down")),
  ]);

  // Hot keys: 5 agents, each updated the key `updates` times.
  for (const updates of [100, 1000]) {
    const concept = `bench/hot-${updates}`;
    for (let u = 0; u < updates; u++) {
      await engine.ingest(
        trusted.map((s) => s.claim({ concept, value: "up", ts: clock.ms - 100_000 + u })),
      );
    }
    rows.push([
      `defaults, hot key (${updates * 5} rows), same value`,
      await microsPerItem(() => quarantinePolicy(config, clock), engine, others("up", concept)),
    ]);
  }
});

// Whole commits: the policy's share of 1,000-item group commits, interleaved, best of three.
const commits = new Map<string, number>();
for (let round = 0; round < 3; round++) {
  for (const [name, makePolicy] of [
    ["acceptAll", () => acceptAll],
    ["defaults", () => quarantinePolicy(config, clock)],
  ] as const) {
    const perSecond = await withEngine(makePolicy(), async (engine) => {
      const items = Array.from({ length: N }, (_, i) =>
        pick(i).claim({ concept: `bench/commit-${round}-${i}`, value: { state: "ok", n: i } }),
      );
      const t = performance.now();
      for (let i = 0; i < items.length; i += 1000) await engine.ingest(items.slice(i, i + 1000));
      return items.length / ((performance.now() - t) / 1000);
    });
    commits.set(name, Math.max(commits.get(name) ?? 0, perSecond));
  }
}

console.log(`quarantine policy, ${N} assertions per case (µs per assertion, classify only):`);
for (const [name, us] of rows) console.log(`  ${name.padEnd(52)} ${us.toFixed(2).padStart(8)} µs`);
console.log("engine.ingest, 1,000-item groups, distinct keys (assertions/s):");
for (const [name, rate] of commits)
  console.log(`  ${name.padEnd(52)} ${Math.round(rate).toString().padStart(8)}`);
