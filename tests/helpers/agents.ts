/**
 * Test agents with deterministic keys, and signed/prepared assertions built the
 * way a real client builds them (noble signing via src/protocol/sign.ts).
 */
import { toHex } from "../../src/hex.ts";
import type {
  Assertion,
  PreparedAssertion,
  UnsignedAssertion,
} from "../../src/protocol/assertion.ts";
import { prepareAssertion } from "../../src/protocol/prepare.ts";
import { agentPublicKey, signAssertion } from "../../src/protocol/sign.ts";

export interface TestAgent {
  secretKey: Uint8Array;
  key: string;
  sign(
    fields: Partial<UnsignedAssertion> & Pick<UnsignedAssertion, "concept" | "predicate" | "value">,
  ): Assertion;
}

export const BASE_TS = 1_767_225_600_000; // 2026-01-01T00:00:00Z

export function testAgent(n: number): TestAgent {
  const secretKey = new Uint8Array(32).fill(n & 0xff);
  secretKey[0] = 0xa5;
  secretKey[31] = (n >> 8) & 0xff;
  const key = toHex(agentPublicKey(secretKey));
  return {
    secretKey,
    key,
    sign: (fields) => signAssertion({ v: 1, ts: BASE_TS, agent: key, ...fields }, secretKey),
  };
}

export function prepare(a: Assertion, nowMs = BASE_TS + 60_000): PreparedAssertion {
  return prepareAssertion(a, { nowMs, maxSkewMs: 300_000, maxValueBytes: 16_384 });
}
