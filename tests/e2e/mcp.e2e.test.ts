/**
 * `stemedb mcp` end to end, as an MCP host runs it: the official SDK's client
 * (StdioClientTransport) spawns the compiled binary over stdio against a real
 * `stemedb serve`. Two agents with their own key files (one configured by
 * flags, one by environment) disagree; a third session without a key reads
 * the conflict through every lens and verifies a proof; then retraction and
 * history. Refusals and the process contract: mcp-refusals.e2e.test.ts.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, mcpFixture, STEP } from "./mcp-fixture.ts";
import type { McpSession } from "./mcp-session.ts";

const KEY = "acme/payments/checkout";
const fx = mcpFixture();
const { agents, keys } = fx;
let alice: McpSession;
let bob: McpSession;
let carol: McpSession; // read-only: no key

beforeAll(async () => {
  alice = await fx.session(["--url", fx.url(), "--key", keys.alice as string]);
  bob = await fx.session([], { STEMEDB_URL: fx.url(), STEMEDB_AGENT_KEY: keys.bob as string });
  carol = await fx.session(["--url", fx.url()]);
}, STEP);

describe("tools/list", () => {
  test(
    "a writer gets five tools with described JSON schemas; a reader without a key gets three",
    async () => {
      const { tools } = await alice.client.listTools();
      expect(tools.map((t) => t.name)).toEqual([
        "assert",
        "retract",
        "recall",
        "history",
        "verify",
      ]);
      for (const t of tools) {
        expect(t.description?.length ?? 0).toBeGreaterThan(150);
        expect(t.outputSchema?.type).toBe("object");
        const props = t.inputSchema.properties as Record<string, { description?: string }>;
        for (const [name, p] of Object.entries(props)) {
          expect([name, (p.description ?? "").length > 20]).toEqual([name, true]);
        }
      }
      const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
      const assertSchema = byName.assert?.inputSchema as {
        required: string[];
        properties: Record<string, { pattern?: string; minimum?: number; maximum?: number }>;
      };
      expect(assertSchema.required).toEqual(["concept", "predicate", "value"]);
      expect(Object.keys(assertSchema.properties)).toEqual([
        "concept",
        "predicate",
        "value",
        "confidence",
        "evidence",
      ]);
      expect(new RegExp(assertSchema.properties.concept?.pattern as string).test(KEY)).toBe(true);
      expect(assertSchema.properties.confidence).toMatchObject({ minimum: 0, maximum: 1 });
      expect(JSON.stringify(byName.assert?.inputSchema)).not.toContain("$ref");
      const recallSchema = byName.recall?.inputSchema as {
        required?: string[];
        properties: Record<string, { enum?: string[] }>;
      };
      expect(recallSchema.required ?? []).toEqual([]);
      expect(recallSchema.properties.lens?.enum).toEqual(["latest", "consensus", "trust", "all"]);
      expect(recallSchema.properties.match?.enum).toEqual(["exact", "prefix", "tail"]);
      expect(byName.recall?.annotations?.readOnlyHint).toBe(true);
      expect(byName.retract?.annotations?.destructiveHint).toBe(true);

      const reader = await carol.client.listTools();
      expect(reader.tools.map((t) => t.name)).toEqual(["recall", "history", "verify"]);
      expect(carol.client.getInstructions()).toContain("read-only");
      expect(alice.client.getInstructions()).toContain(agents.alice as string);
    },
    STEP,
  );
});

const ids: Record<string, string> = {};
let aliceSeq = 0;

describe("two agents disagree, a third reads the conflict", () => {
  test(
    "each assertion is signed in its session and its receipt verified before the answer",
    async () => {
      const a = await alice.call("assert", {
        concept: KEY,
        predicate: "status",
        value: "degraded",
        confidence: 0.9,
        evidence: ["https://status.example.com/incidents/42"],
      });
      expect(a.isError).toBe(false);
      expect(a.data).toMatchObject({ status: "accepted", agent: agents.alice, seq: 1 });
      expect(a.data.receipt).toMatchObject({ verified: true, tree_size: 1, leaf_index: 0 });
      expect(a.text).toStartWith(`Accepted: ${KEY} status = "degraded" (confidence 0.9).`);
      expect(a.text).toContain("Receipt verified locally");
      ids.alice = a.data.id;
      aliceSeq = a.data.seq;

      const b = await bob.call("assert", {
        concept: KEY,
        predicate: "status",
        value: "ok",
        confidence: 0.6,
      });
      expect(b.isError).toBe(false);
      expect(b.data).toMatchObject({ status: "accepted", agent: agents.bob, seq: 2 });
      expect(b.data.receipt.server_key).toBe(a.data.receipt.server_key);
      ids.bob = b.data.id;
    },
    STEP,
  );

  test(
    "recall spells the conflict out through each lens",
    async () => {
      // Registry trust: alice 0.2, bob 0.9 (admin API), so trust and consensus disagree.
      for (const [name, trust] of [
        ["alice", 0.2],
        ["bob", 0.9],
      ] as const) {
        const res = await fetch(`${fx.url()}/v1/agents/${agents[name]}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ name, trust }),
        });
        expect(res.status).toBe(200);
      }

      // latest: bob's newer claim wins, whatever the weights.
      const latest = await carol.call("recall", { concept: KEY, predicate: "status" });
      expect(latest.isError).toBe(false);
      expect(latest.data.lens).toBe("latest");
      expect(latest.data.results[0]).toMatchObject({
        value: "ok",
        conflict: true,
        agents: [agents.bob],
        support: [ids.bob],
        alternatives: [{ value: "degraded", weight: 0.9, agents: [agents.alice] }],
      });
      expect(latest.text).toContain("Recall through the latest lens (the newest claim wins");
      expect(latest.text).toContain(`${KEY} · status = "ok" (confidence 0.6)`);
      expect(latest.text).toContain("CONFLICT: 2 values; agreement 0.4");
      expect(latest.text).toContain(
        `alternative "degraded": weight 0.9, 1 agent: ${agents.alice}; assertion: ${ids.alice}`,
      );

      // consensus: 0.9 against 0.6, alice's value wins with agreement 0.6.
      const consensus = await carol.call("recall", {
        concept: "acme/payments",
        match: "prefix",
        lens: "consensus",
      });
      expect(consensus.data.results).toHaveLength(1);
      expect(consensus.data.results[0]).toMatchObject({ value: "degraded", conflict: true });
      expect(consensus.data.results[0].agreement).toBeCloseTo(0.6, 10);
      expect(consensus.text).toContain("CONFLICT: 2 values; agreement 0.6");
      expect(consensus.text).toContain(
        `winning "degraded": weight 0.9, 1 agent: ${agents.alice}; assertion: ${ids.alice}`,
      );
      expect(consensus.text).toContain(
        `alternative "ok": weight 0.6, 1 agent: ${agents.bob}; assertion: ${ids.bob}`,
      );

      // trust: 0.9 × 0.2 = 0.18 against 0.6 × 0.9 = 0.54: bob's value, agreement 0.75.
      const trust = await carol.call("recall", {
        concept: "checkout",
        match: "tail",
        lens: "trust",
      });
      expect(trust.data.results[0]).toMatchObject({ value: "ok", agents: [agents.bob] });
      expect(trust.data.results[0].agreement).toBeCloseTo(0.75, 10);
      expect(trust.text).toContain("CONFLICT: 2 values; agreement 0.75");
      expect(trust.text).toContain('winning "ok": weight 0.54');
      expect(trust.text).toContain('alternative "degraded": weight 0.18');

      // all: every claim, newest first.
      const all = await carol.call("recall", { predicate: "status", lens: "all" });
      expect(all.data.results.map((r: { id: string }) => r.id)).toEqual([ids.bob, ids.alice]);
      expect(all.text).toContain(`by agent ${agents.alice}`);

      // as_of: before bob spoke there was no conflict.
      const past = await carol.call("recall", { concept: KEY, as_of: aliceSeq, lens: "consensus" });
      expect(past.data.results[0]).toMatchObject({
        value: "degraded",
        conflict: false,
        agreement: 1,
      });
      expect(past.text).toContain(`as of tree size ${aliceSeq}`);
      expect(past.text).toContain("No conflict: 1 agent");
    },
    STEP,
  );

  test(
    "verify proves a claim locally against a verified tree head",
    async () => {
      const v = await carol.call("verify", { id: ids.alice });
      expect(v.isError).toBe(false);
      expect(v.data).toMatchObject({
        verified: true,
        id: ids.alice,
        status: "accepted",
        leaf_index: 0,
        checks: { tree_head: "ok", assertion_id: "ok", agent_signature: "ok", inclusion: "ok" },
        assertion: { agent: agents.alice, value: "degraded", confidence: 0.9 },
      });
      expect(v.data.sth.tree_size).toBeGreaterThanOrEqual(2);
      expect(v.text).toStartWith(`VERIFIED: assertion ${ids.alice}: agent ${agents.alice} signed`);
      expect(v.text).toContain("it is leaf 0 (seq 1) of the Merkle tree");
    },
    STEP,
  );
});

describe("history and retraction", () => {
  test(
    "an agent retracts only its own claim; history keeps every claim",
    async () => {
      const stolen = await alice.call("retract", { id: ids.bob });
      expect(stolen.isError).toBe(true);
      expect(stolen.error).toMatchObject({ code: "not_owner", field: "id" });
      expect(stolen.text).toContain("can retract only its own assertions");

      const r = await bob.call("retract", { id: ids.bob });
      expect(r.isError).toBe(false);
      expect(r.data).toMatchObject({ status: "accepted", agent: agents.bob });
      expect(r.text).toStartWith(`Accepted: retraction of ${ids.bob}`);

      const h = await carol.call("history", { concept: KEY, predicate: "status" });
      expect(h.isError).toBe(false);
      expect(h.data.items.map((i: { id: string }) => i.id)).toEqual([
        ids.alice,
        ids.bob,
        r.data.id,
      ]);
      expect(h.text).toContain(`History of ${KEY} · status: 3 claims`);
      expect(h.text).toContain(`RETRACTS ${ids.bob}`);

      const after = await carol.call("recall", { concept: KEY, lens: "latest" });
      expect(after.data.results[0]).toMatchObject({ value: "degraded", conflict: false });
    },
    STEP,
  );
});
