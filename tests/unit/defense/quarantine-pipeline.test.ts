/**
 * The policy's side of the pipelined commit loop (`IngestPolicy`
 * beginGroup/endGroup, src/engine/commit-loop.ts): group N+1 is planned while
 * group N is durable but not applied, so the rules must count N's items from
 * their own memory until N is settled — and drop them then. Driven directly
 * on a real engine's state, in the order the loop calls the policy.
 */
import { describe, expect, test } from "bun:test";
import type { PreparedAssertion } from "../../../src/protocol/assertion.ts";
import { policyFixture, signer } from "./quarantine-fixture.ts";

describe("policy memory across commit groups in flight", () => {
  test("flood: the group in flight counts until it is settled", async () => {
    await using f = await policyFixture({ floodPerKeyPerMinute: 3 });
    const a = signer(40, f.clock);
    const decide = (item: PreparedAssertion) => f.policy.classify(item, f.engine.state).status;
    f.policy.beginGroup(f.engine.state); // group N: three claims, at the limit
    expect([1, 2, 3].map((n) => decide(a.claim({ value: n })))).toEqual([
      "accepted",
      "accepted",
      "accepted",
    ]);
    f.policy.beginGroup(f.engine.state); // group N+1, planned while N is in flight
    expect(decide(a.claim({ value: 4 }))).toBe("quarantined");
    // Both refused (say N's fdatasync failed): their items will never be in the state.
    f.policy.endGroup();
    f.policy.endGroup();
    f.policy.beginGroup(f.engine.state);
    expect(decide(a.claim({ value: 5 }))).toBe("accepted");
    f.policy.endGroup();
  });

  test("contradiction: a consensus formed in the group in flight counts for the next group", async () => {
    await using f = await policyFixture();
    const trusted = [41, 42, 43].map((n) => signer(n, f.clock));
    for (const t of trusted) await f.engine.updateAgent({ agent: t.agent, trust: 0.9 });
    const low = signer(44, f.clock);
    const decide = (item: PreparedAssertion) => f.policy.classify(item, f.engine.state);
    f.policy.beginGroup(f.engine.state); // group N
    for (const t of trusted) expect(decide(t.claim({ value: "up" })).status).toBe("accepted");
    f.policy.beginGroup(f.engine.state); // group N+1: N is not in the state
    expect(decide(low.claim({ value: "down" }))).toEqual({
      status: "quarantined",
      reasons: ["contradiction"],
    });
    f.policy.endGroup();
    f.policy.endGroup();
  });
});
