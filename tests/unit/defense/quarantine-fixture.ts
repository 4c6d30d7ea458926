/**
 * A real engine on a temp dir with the quarantine policy built from a config,
 * a clock the test moves, and agents that sign with native Ed25519 (fast enough
 * for workloads of thousands). Items are prepared exactly as ingest prepares them.
 */
import { rmSync } from "node:fs";
import { type Config, parseConfig } from "../../../src/config.ts";
import { type QuarantinePolicy, quarantinePolicy } from "../../../src/defense/quarantine-policy.ts";
import { Engine } from "../../../src/engine/engine.ts";
import type { ItemOutcome } from "../../../src/engine/plan.ts";
import { silentLogger } from "../../../src/logger.ts";
import type { JsonValue, PreparedAssertion } from "../../../src/protocol/assertion.ts";
import { prepareAssertion } from "../../../src/protocol/prepare.ts";
import { fastSigner } from "../../helpers/fast-sign.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

export const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

export class TestClock {
  ms = T0;
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Claim {
  concept?: string;
  predicate?: string;
  value?: JsonValue;
  confidence?: number;
  retracts?: string;
  evidence?: string[];
  ts?: number;
}

export interface Signer {
  agent: string;
  claim(c?: Claim): PreparedAssertion;
}

let tsSeq = 0;

export function signer(n: number, clock: TestClock): Signer {
  const seed = new Uint8Array(32).fill(n & 0xff);
  seed[0] = 0x5a;
  seed[1] = (n >> 8) & 0xff;
  const s = fastSigner(seed);
  return {
    agent: s.agent,
    claim(c = {}) {
      const a = s.sign({
        concept: c.concept ?? "acme/web/checkout",
        predicate: c.predicate ?? "status",
        value: c.value === undefined ? "up" : c.value,
        ts: c.ts ?? clock.ms - 1000 + (tsSeq++ % 1000),
        ...(c.confidence === undefined ? {} : { confidence: c.confidence }),
        ...(c.retracts === undefined ? {} : { retracts: c.retracts }),
        ...(c.evidence === undefined ? {} : { evidence: c.evidence }),
      });
      return prepareAssertion(a, { nowMs: clock.ms, maxSkewMs: 300_000, maxValueBytes: 16_384 });
    },
  };
}

export interface PolicyFixture extends AsyncDisposable {
  engine: Engine;
  policy: QuarantinePolicy;
  clock: TestClock;
  config: Config;
  dir: string;
  /** Ingests `items` as one commit group; the outcomes as `status` or `status:reason,reason`. */
  ingest(items: PreparedAssertion[]): Promise<string[]>;
}

export const outcomeText = (o: ItemOutcome): string =>
  o.status === "rejected"
    ? `rejected:${o.error.code}`
    : o.reasons === undefined
      ? o.status
      : `${o.status}:${o.reasons.join(",")}`;

export async function policyFixture(
  overrides: Partial<Record<keyof Config, unknown>> = {},
  clock = new TestClock(),
): Promise<PolicyFixture> {
  const dir = tempDir("stemedb-quarantine-");
  const config = parseConfig({ dataDir: dir.path, ...overrides });
  const policy = quarantinePolicy(config, clock);
  const engine = await Engine.open({ dataDir: dir.path, logger: silentLogger, clock, policy });
  return {
    engine,
    policy,
    clock,
    config,
    dir: dir.path,
    async ingest(items) {
      const { outcomes } = await engine.ingest(items);
      return outcomes.map(outcomeText);
    },
    async [Symbol.asyncDispose]() {
      await engine.close();
      rmSync(dir.path, { recursive: true, force: true });
    },
  };
}
