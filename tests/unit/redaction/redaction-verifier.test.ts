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
