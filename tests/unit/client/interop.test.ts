/**
 * SDK ↔ server interop: the real server (`startServer`, port 0, temp data dir)
 * driven only through StemeClient. Writes signed by the SDK (noble) are
 * accepted by the server (native verify); the server's receipts, tree heads
 * and proofs verify with the SDK's own checks; its problem+json errors come
 * back as StemeClientError with their code and field.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Assertion,
  computeAssertionId,
  generateAgentKey,
  StemeClient,
  StemeClientError,
  type StoredAssertionView,
  signAssertion,
  type UnsignedAssertion,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifyTreeHead,
} from "../../../src/client/index.ts";
import { parseConfig } from "../../../src/config.ts";
import { toHex } from "../../../src/hex.ts";
import { type RunningServer, startServer } from "../../../src/http/server.ts";
import { silentLogger } from "../../../src/logger.ts";
import vectors from "../../vectors/assertions.json" with { type: "json" };

const ADMIN = "interop-admin-token-0123456789";
let dir: string;
let server: RunningServer;
let client: StemeClient;
const agent = generateAgentKey();
const agentHex = toHex(agent.publicKey);
let clock = Date.now() - 60_000;

function claim(
  concept: string,
  value: unknown,
  extra: Partial<UnsignedAssertion> = {},
): UnsignedAssertion {
  return {
    v: 1,
    concept,
    predicate: "status",
    value: value as never,
    ts: clock++,
    agent: agentHex,
    ...extra,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stemedb-interop-"));
  server = await startServer(
    parseConfig({ dataDir: dir, port: 0, host: "127.0.0.1", adminToken: ADMIN }),
    silentLogger,
  );
  client = new StemeClient({ baseUrl: server.url, adminToken: ADMIN });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("writes", () => {
  test("signAndAssert: accepted with a receipt whose STH and audit path verify", async () => {
    const unsigned = claim("acme/payments/checkout", "degraded", { confidence: 0.8 });
    const receipt = await client.signAndAssert(unsigned, agent.secretKey);
    expect(receipt.status).toBe("accepted");
    expect(receipt.id).toBe(computeAssertionId(unsigned));
    expect(verifyTreeHead(receipt.sth)).toBe(true);
    const root = await client.root();
    expect(verifyTreeHead(root, receipt.sth.server_key)).toBe(true);

    const again = await client.assert(signAssertion(unsigned, agent.secretKey));
    expect(again.status).toBe("duplicate");
    expect(again.id).toBe(receipt.id);
  });

  test("?proof=1 receipt carries an audit path that verifies against its STH", async () => {
    const signed = signAssertion(claim("acme/web", "up"), agent.secretKey);
    const receipt = await client.assert(signed, { proof: true });
    expect(receipt.audit_path).toBeArray();
    const proof = {
      leaf_index: receipt.seq - 1,
      tree_size: receipt.sth.tree_size,
      audit_path: receipt.audit_path as string[],
      root: receipt.sth.root,
    };
    expect(verifyInclusionProof(receipt.id, proof, receipt.sth)).toBe(true);
  });

  test("the shared vectors are accepted as signed (their ids are the server's)", async () => {
    const signed = vectors.valid
      .filter((v) => !("input_text" in v))
      .map((v) => v.assertion as unknown as Assertion);
    const batch = await client.assert(signed);
    expect(batch.rejected).toBe(0);
    expect(batch.results.map((r) => r.id)).toEqual(
      vectors.valid.filter((v) => !("input_text" in v)).map((v) => v.id),
    );
    expect(verifyTreeHead(batch.sth)).toBe(true);
  });

  test("NDJSON: a bad line is rejected alone, with its code", async () => {
    const a = JSON.stringify(signAssertion(claim("acme/db", "ok"), agent.secretKey));
    const b = JSON.stringify(signAssertion(claim("acme/cache", "ok"), agent.secretKey));
    const receipt = await client.assertNdjson([a, "{not json", b]);
    expect([receipt.accepted, receipt.rejected]).toEqual([2, 1]);
    expect(receipt.results[1]?.status).toBe("rejected");
    expect(receipt.results[1]?.error?.code).toBe("bad_json");
  });

  test("a bad signature is a StemeClientError bad_signature on field sig, 422", async () => {
    const signed = signAssertion(claim("acme/x", 1), agent.secretKey);
    const forged = { ...signed, value: 2 };
    const e = await client.assert(forged).catch((x) => x);
    expect(e).toBeInstanceOf(StemeClientError);
    expect([e.code, e.field, e.status]).toEqual(["bad_signature", "sig", 422]);
    expect(e.requestId).toBeString();
  });
});

describe("reads and proofs", () => {
  test("get returns the assertion exactly as signed", async () => {
    const signed = signAssertion(claim("acme/get", { n: 1, a: [true, null] }), agent.secretKey);
    const receipt = await client.assert(signed);
    const view = (await client.get(receipt.id)) as StoredAssertionView;
    expect(view.assertion).toEqual(signed);
    expect(view.seq).toBe(receipt.seq);
    expect(view.status).toBe("accepted");
    const missing = await client.get("00".repeat(32)).catch((x) => x);
    expect([missing.code, missing.status]).toEqual(["not_found", 404]);
  });

  test("history lists a key's assertions in seq order", async () => {
    const first = await client.signAndAssert(claim("acme/hist", "a"), agent.secretKey);
    const second = await client.signAndAssert(claim("acme/hist", "b"), agent.secretKey);
    const history = await client.history({ concept: "acme/hist", predicate: "status" });
    expect(history.items.map((i) => i.id)).toEqual([first.id, second.id]);
  });

  test("inclusion proofs at the current and a past size, and consistency between them, verify", async () => {
    const receipt = await client.signAndAssert(claim("acme/proof", 1), agent.secretKey);
    const old = receipt.sth;
    for (let i = 0; i < 5; i++)
      await client.signAndAssert(claim("acme/proof", i + 2), agent.secretKey);
    const now = await client.root();
    expect(now.tree_size).toBe(old.tree_size + 5);
    const inNow = await client.inclusionProof(receipt.id, now.tree_size);
    expect(verifyInclusionProof(receipt.id, inNow, now)).toBe(true);
    const inOld = await client.inclusionProof(receipt.id, old.tree_size);
    expect(verifyInclusionProof(receipt.id, inOld, old)).toBe(true);
    for (const from of [old, now]) {
      const proof = await client.consistencyProof(from.tree_size, now.tree_size);
      expect(verifyConsistencyProof(from, now, proof)).toBe(true);
    }
    const bad = await client.consistencyProof(now.tree_size + 1, now.tree_size).catch((x) => x);
    expect([bad.code, bad.status]).toEqual(["bad_tree_size", 422]);
  });

  test("query answers through the lens, and a filterless query is missing_filter", async () => {
    await client.signAndAssert(claim("acme/query/svc", "green"), agent.secretKey);
    const answer = await client.query({ concept: "acme/query", match: "prefix" });
    expect(answer.lens).toBe("latest");
    expect(answer.results.map((r) => r.value)).toEqual(["green"]);
    const e = await client.query({}).catch((x) => x);
    expect([e.code, e.status]).toEqual(["missing_filter", 422]);
  });
});

describe("admin", () => {
  test("quarantine: a suspicious assertion waits for review; release makes it visible", async () => {
    const receipt = await client.signAndAssert(
      claim("acme/quarantine", "fine <script>alert(1)</script>"),
      agent.secretKey,
    );
    expect(receipt.status).toBe("quarantined");
    const queue = await client.listQuarantine({ agent: agentHex });
    expect(queue.items.map((i) => i.id)).toEqual([receipt.id]);
    expect(queue.total).toBe(1);
    const released = await client.reviewQuarantined(receipt.id, "release");
    expect([released.id, released.status]).toEqual([receipt.id, "released"]);
    expect((await client.listQuarantine({ agent: agentHex })).items).toEqual([]);
    expect((await client.get(receipt.id)).status).toBe("released");
  });

  test("agents: put merges fields, get and list read them; a wrong token is 401", async () => {
    const put = await client.putAgent(agentHex, { name: "checker", trust: 0.9 });
    expect([put.name, put.trust, put.allowed]).toEqual(["checker", 0.9, true]);
    const merged = await client.putAgent(agentHex, { allowed: false });
    expect([merged.name, merged.allowed]).toEqual(["checker", false]);
    expect((await client.getAgent(agentHex)).trust).toBe(0.9);
    const list = await client.listAgents();
    expect(list.agents.map((a) => a.agent)).toContain(agentHex);
    await client.putAgent(agentHex, { allowed: true });
    const intruder = new StemeClient({
      baseUrl: server.url,
      adminToken: "wrong-token-wrong-token",
    });
    const e = await intruder.listAgents().catch((x) => x);
    expect([e.code, e.status]).toEqual(["unauthorized", 401]);
  });
});
