/**
 * An app wired like `startServer` wires it — defense guards from
 * `buildDefense`, metrics hooks, the agent-breaker status — but on a manual
 * clock, so rate-limit and breaker tests move time instead of sleeping.
 */
import { type Config, parseConfig } from "../../../src/config.ts";
import { buildDefense } from "../../../src/defense/build-defense.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { createApp } from "../../../src/http/app.ts";
import { Metrics } from "../../../src/http/metrics.ts";
import { SERVER_VERSION } from "../../../src/http/server-version.ts";
import { type Logger, silentLogger } from "../../../src/logger.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { ADMIN_TOKEN } from "./http-test-helpers.ts";

export interface ManualClock {
  t: number;
  now(): number;
}

export interface DefenseApp {
  app: ReturnType<typeof createApp>;
  engine: Engine;
  config: Config;
  clock: ManualClock;
  metrics: Metrics;
  /** The metrics exposition text. */
  scrape(): Promise<string>;
  close(): Promise<void>;
}

export async function openDefenseApp(
  overrides: Record<string, unknown> = {},
  logger: Logger = silentLogger,
): Promise<DefenseApp> {
  const dir = tempDir("stemedb-defense-");
  const clock: ManualClock = { t: Date.now(), now: () => clock.t };
  const config = parseConfig({ dataDir: dir.path, port: 0, ...overrides });
  const metrics = new Metrics(SERVER_VERSION);
  // The registry is the engine opened below, as in startServer (guards run only after).
  const defense = buildDefense(config, clock, metrics, { agent: (key) => engine.agent(key) });
  const engine: Engine = await Engine.open({
    dataDir: dir.path,
    logger,
    clock,
    policy: defense.policy,
    log: { onFsync: metrics.onFsync },
    storageBreaker: { onTransition: (to) => metrics.breakerTransition("storage", to) },
  });
  const app = createApp({
    engine,
    config,
    logger,
    adminToken: ADMIN_TOKEN,
    clock,
    metrics,
    guards: defense.guards,
    agentBreakers: defense.agentBreakers,
  });
  return {
    app,
    engine,
    config,
    clock,
    metrics,
    scrape: async () => (await app.request("/metrics")).text(),
    async close() {
      await engine.close();
      dir[Symbol.dispose]();
    },
  };
}
