/**
 * The agent policy's refusals (SPEC §6) as an ingest guard, and how
 * `buildDefense` assembles it: `allowed: false` refused under every policy,
 * unregistered agents refused only under `registered`, the guard first in line.
 */
import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../../src/config.ts";
import { type AgentRegistry, agentPolicyGuard } from "../../../src/defense/agent-policy.ts";
import { buildDefense } from "../../../src/defense/build-defense.ts";
import type { AgentEntry } from "../../../src/store/agent-table.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";

const listed = testAgent(61);
const banned = testAgent(62);
const stranger = testAgent(63);
const entry = (agent: string, allowed: boolean): AgentEntry => ({
  agent,
  name: null,
  trust: null,
  allowed,
  role: "agent",
  updated_at: 0,
});
const registry: AgentRegistry = {
  agent: (key) =>
    key === listed.key ? entry(key, true) : key === banned.key ? entry(key, false) : undefined,
};
const claim = (a: typeof listed) => prepare(a.sign({ concept: "a/b", predicate: "p", value: 1 }));
const ctx = { ip: "127.0.0.1", nowMs: 0 };

describe("agentPolicyGuard", () => {
  test("what each policy refuses, with which code", () => {
    const codes = (policy: "open" | "registered" | "probation") => {
      const guard = agentPolicyGuard({ policy, registry });
      return [listed, banned, stranger].map((a) => guard.admit?.(claim(a), ctx)?.code ?? "ok");
    };
    expect(codes("open")).toEqual(["ok", "agent_not_allowed", "ok"]);
    expect(codes("registered")).toEqual(["ok", "agent_not_allowed", "agent_not_registered"]);
    // Probation quarantines strangers in the commit; the guard only refuses the banned.
    expect(codes("probation")).toEqual(["ok", "agent_not_allowed", "ok"]);
  });

  test("refusals name the agent field and say how to fix it", () => {
    const guard = agentPolicyGuard({ policy: "registered", registry });
    const e = guard.admit?.(claim(stranger), ctx);
    expect(e?.field).toBe("agent");
    expect(e?.message).toContain(`PUT /v1/agents/${stranger.key}`);
  });
});

describe("buildDefense", () => {
  test("the agent policy guard comes first; without a registry there is none, and registered refuses to build", () => {
    const clock = { now: () => 0 };
    const with_ = buildDefense(parseConfig({}), clock, {}, registry);
    const without = buildDefense(parseConfig({}), clock);
    expect(with_.guards.length).toBe(without.guards.length + 1);
    expect(with_.guards[0]?.admit?.(claim(banned), ctx)?.code).toBe("agent_not_allowed");
    expect(() => buildDefense(parseConfig({ agentPolicy: "registered" }), clock)).toThrow(
      TypeError,
    );
  });
});
