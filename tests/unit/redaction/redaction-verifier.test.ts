/**
 * The verifier rule in the SDK (SPEC §12) against a real engine behind the
 * HTTP app: a redacted assertion verifies only with its redaction — later in
 * the tree, naming its id, signed by an operator key (trusted when pinned,
 * else reported) — and its leaf still proves inclusion; a server that shows a
 * missing body with anything else is caught.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type AnyAssertionView,
  checkRedactedView,
  leafSeqProblem,
  StemeClient,
  type StoredAssertionView,
  verifyAssertionView,
  verifyInclusionProof,
} from "../../../src/client/index.ts";
import { ADMIN_TOKEN, openTestApp, type TestApp, testAgent } from "../http/http-test-helpers.ts";

let t: TestApp;
let client: StemeClient;
const operator = testAgent();
const writer = testAgent();
let targetId: string;
let plainId: string;

beforeAll(async () => {
  t = await openTestApp();
  client = new StemeClient({
    baseUrl: "http://stemedb.test",
    adminToken: ADMIN_TOKEN,
    fetch: (input, init) => Promise.resolve(t.app.request(input, init)),
  });
  await client.putAgent(operator.agent, { role: "operator" });
  targetId = (await client.assert(writer.sign({ value: "leaked token" }))).id;
  plainId = (await client.assert(writer.sign({ value: "fine" }))).id;
  const redaction = operator.sign({
    concept: "_stemedb/redactions",
    predicate: "redacts",
    value: { target: targetId, reason: "leaked_secret" },
  });
  expect((await client.assert(redaction)).status).toBe("accepted");
});
afterAll(async () => {
  await t.close();
});

describe("SDK verifyAssertion", () => {
  test("a present body verifies as before", async () => {
    expect(await client.verifyAssertion(plainId)).toEqual({ ok: true });
  });

  test("a redacted one verifies by its redaction, naming the operator (not pinned)", async () => {
    expect(await client.verifyAssertion(targetId)).toEqual({
      ok: true,
      redacted: { operator: operator.agent, reason: "leaked_secret", trusted: false },
    });
    const pinned = await client.verifyAssertion(targetId, {
      trustedOperators: new Set([operator.agent]),
    });
    expect(pinned).toMatchObject({ ok: true, redacted: { trusted: true } });
    const other = await client.verifyAssertion(targetId, {
      trustedOperators: new Set([writer.agent]),
    });
    expect(other).toMatchObject({ ok: false });
  });

  test("its leaf still proves inclusion in the current tree head", async () => {
    const sth = await client.root();
    const proof = await client.inclusionProof(targetId, sth.tree_size);
    expect(verifyInclusionProof(targetId, proof, sth)).toBe(true);
  });

  test("a missing body shown with the wrong redaction, an earlier one, or none is tampering", async () => {
    const view = (await client.get(targetId)) as AnyAssertionView & { status: "redacted" };
    const plain = await client.get(plainId);
    const redactionId = view.redaction?.id as string;
    const redaction = await client.get(redactionId);
    expect(verifyAssertionView(targetId, view, redaction).ok).toBe(true);
    // The server offers some other assertion as the redaction.
    const wrong = { ...view, redaction: { id: plainId, seq: 2, reason: "x" } };
    expect(verifyAssertionView(targetId, wrong, plain).ok).toBe(false);
    // The redaction is not later than the target.
    const early = { ...view, seq: (redaction as { seq: number }).seq + 1 };
    expect(verifyAssertionView(targetId, early, redaction)).toMatchObject({ ok: false });
    // No redaction at all.
    expect(verifyAssertionView(targetId, { ...view, redaction: null }, undefined).ok).toBe(false);
    // The redaction's own body was altered.
    const shown = redaction as StoredAssertionView;
    const altered = { ...shown, assertion: { ...shown.assertion, ts: 1 } };
    expect(verifyAssertionView(targetId, view, altered)).toMatchObject({ ok: false });
  });
});

/** A client whose GET /v1/assertions/:id answers pass through `lie` (a server that lies about seqs). */
function lyingClient(lie: (path: string, doc: Record<string, unknown>) => void): StemeClient {
  return new StemeClient({
    baseUrl: "http://stemedb.test",
    fetch: async (input, init) => {
      const res = await t.app.request(input, init);
      const path = new URL(String(input)).pathname;
      if (!path.startsWith("/v1/assertions/") || res.status !== 200) return res;
      const doc = (await res.json()) as Record<string, unknown>;
      lie(path, doc);
      return Response.json(doc);
    },
  });
}

describe("the dashboard's and the MCP tool's check: seqs are the tree's (checkRedactedView)", () => {
  test("an honest server: the redaction verifies and its leaf is where its seq says", async () => {
    const sth = await client.root();
    const view = await client.get(targetId);
    if (view.status !== "redacted") throw new Error("expected a redacted view");
    expect(await checkRedactedView(client, targetId, view, sth)).toEqual({
      ok: true,
      redacted: { operator: operator.agent, reason: "leaked_secret", trusted: false },
    });
    const proof = await client.inclusionProof(targetId, sth.tree_size);
    expect(leafSeqProblem(targetId, view.seq, proof, sth)).toBeUndefined();
  });

  test("a redaction shown later than it is: its inclusion proof says otherwise", async () => {
    const honest = await client.get(targetId);
    if (honest.status !== "redacted" || honest.redaction === null) throw new Error("redacted");
    const redactionId = honest.redaction.id;
    const liar = lyingClient((path, doc) => {
      if (path.endsWith(redactionId)) doc.seq = (doc.seq as number) + 7;
    });
    const sth = await liar.root();
    const view = await liar.get(targetId);
    if (view.status !== "redacted") throw new Error("expected a redacted view");
    // The rule alone cannot tell: the lie keeps the order.
    expect(verifyAssertionView(targetId, view, await liar.get(redactionId)).ok).toBe(true);
    expect(await checkRedactedView(liar, targetId, view, sth)).toEqual({
      ok: false,
      problem: `the redaction: the server says ${redactionId} is seq ${honest.redaction.seq + 7}, its inclusion proof puts it at seq ${honest.redaction.seq}`,
    });
  });

  test("a target shown earlier than it is: its own inclusion proof says otherwise", async () => {
    const sth = await client.root();
    const honest = await client.get(targetId);
    const proof = await client.inclusionProof(targetId, sth.tree_size);
    expect(leafSeqProblem(targetId, honest.seq - 1, proof, sth)).toBe(
      `the server says ${targetId} is seq ${honest.seq - 1}, its inclusion proof puts it at seq ${honest.seq}`,
    );
    // And a proof for another id is no proof of this one.
    const plainProof = await client.inclusionProof(plainId, sth.tree_size);
    expect(leafSeqProblem(targetId, plainProof.leaf_index + 1, plainProof, sth)).toStartWith(
      "audit path does not lead",
    );
  });
});
