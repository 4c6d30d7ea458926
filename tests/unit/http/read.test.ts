/**
 * Read and audit routes (SPEC §3): assertions by id, per-key history with
 * paging, the signed tree head, and inclusion/consistency proofs checked with
 * the RFC 9162 verifiers, plus every bound on their parameters.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fromHex } from "../../../src/hex.ts";
import { leafHash } from "../../../src/merkle/hash.ts";
import type { SignedTreeHead } from "../../../src/merkle/tree-head.ts";
import { verifyTreeHead } from "../../../src/merkle/tree-head.ts";
import { verifyConsistency, verifyInclusion } from "../../../src/merkle/verify-proofs.ts";
import type { Assertion } from "../../../src/protocol/assertion.ts";
import { nobleVerifyAssertion } from "../../../src/protocol/sign.ts";
import {
  type AssertionView,
  body as bodyOf,
  type ConsistencyProof,
  type HistoryPage,
  type InclusionProof,
  json,
  openTestApp,
  problem,
  type TestApp,
  testAgent,
} from "./http-test-helpers.ts";

let t: TestApp;
const ids: string[] = [];
const agent = testAgent();
const KEY = { concept: "acme/payments", predicate: "owner" };

beforeAll(async () => {
  t = await openTestApp();
  const items = [
    agent.sign({ ...KEY, value: "team-blue", confidence: 0.9, evidence: ["https://x.test/1"] }),
    agent.sign({ ...KEY, value: "team-red" }),
    testAgent().sign({ concept: "acme/other", predicate: "owner", value: 1 }),
    agent.sign({ ...KEY, value: "team-green" }),
    agent.sign({ ...KEY, value: { nested: [1, 2] } }),
  ];
  const res = await t.app.request("/v1/assert", json(items));
  const body = (await res.json()) as { results: { id: string }[] };
  ids.push(...body.results.map((r) => r.id));
  // A retraction shows up in history too.
  await t.app.request("/v1/assert", json(agent.sign({ ...KEY, value: null, retracts: ids[1] })));
});
afterAll(async () => {
  await t.close();
});

const get = (path: string) => t.app.request(path);

describe("GET /v1/assertions/:id", () => {
  test("returns exactly the fields as signed, sig included", async () => {
    const res = await get(`/v1/assertions/${ids[0]}`);
    expect(res.status).toBe(200);
    const body = await bodyOf<AssertionView>(res);
    expect(body).toMatchObject({ id: ids[0], seq: 1, status: "accepted" });
    expect(typeof body.received_at).toBe("number");
    expect(Object.keys(body.assertion).sort()).toEqual(
      ["agent", "concept", "confidence", "evidence", "predicate", "sig", "ts", "v", "value"].sort(),
    );
    expect(nobleVerifyAssertion(body.assertion as unknown as Assertion)).toBe(true);
  });

  test("a malformed id is 422, an unknown one 404", async () => {
    expect(await problem(await get("/v1/assertions/xyz"))).toMatchObject({
      status: 422,
      code: "invalid_field",
      field: "id",
    });
    expect(await problem(await get(`/v1/assertions/${"AB".repeat(32)}`))).toMatchObject({
      status: 422,
    });
    expect(await problem(await get(`/v1/assertions/${"ab".repeat(32)}`))).toMatchObject({
      status: 404,
      code: "not_found",
    });
  });
});

describe("GET /v1/history", () => {
  test("every assertion of the key in seq order, retraction included, paged", async () => {
    const q = `concept=${encodeURIComponent(KEY.concept)}&predicate=owner`;
    const all = (await (await get(`/v1/history?${q}`)).json()) as HistoryPage;
    expect(all.items.map((i) => i.seq)).toEqual([1, 2, 4, 5, 6]);
    expect(all.items[4]?.assertion.retracts).toBe(ids[1]);
    expect(all.items.every((i) => i.status === "accepted")).toBe(true);
    expect(all.next_cursor).toBeNull();

    const seen: number[] = [];
    let cursor = "";
    for (let page = 0; page < 10; page++) {
      const res = await get(`/v1/history?${q}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      const body = await bodyOf<HistoryPage>(res);
      seen.push(...body.items.map((i) => i.seq));
      if (body.next_cursor === null) break;
      cursor = body.next_cursor;
    }
    expect(seen).toEqual([1, 2, 4, 5, 6]);
  });

  test("missing concept or predicate is 422 missing_field; bad limit or cursor 422", async () => {
    expect(await problem(await get("/v1/history?predicate=owner"))).toMatchObject({
      status: 422,
      code: "missing_field",
      field: "concept",
    });
    expect(await problem(await get("/v1/history?concept=a"))).toMatchObject({ field: "predicate" });
    expect(await problem(await get("/v1/history?concept=a&predicate=b&limit=0"))).toMatchObject({
      code: "invalid_field",
      field: "limit",
    });
    expect(await problem(await get("/v1/history?concept=a&predicate=b&limit=1001"))).toMatchObject({
      field: "limit",
    });
    expect(await problem(await get("/v1/history?concept=a&predicate=b&cursor=zz"))).toMatchObject({
      code: "bad_cursor",
    });
  });
});

describe("Merkle routes", () => {
  test("GET /v1/merkle/root is a valid STH of the current size", async () => {
    const sth = (await (await get("/v1/merkle/root")).json()) as SignedTreeHead;
    expect(sth.tree_size).toBe(t.engine.tree.size);
    expect(verifyTreeHead(sth)).toBe(true);
  });

  test("inclusion proofs verify at the current and at past sizes", async () => {
    const size = t.engine.tree.size;
    for (const [i, id] of ids.entries()) {
      for (const treeSize of [i + 1, size]) {
        const res = await get(`/v1/proof/inclusion/${id}?tree_size=${treeSize}`);
        expect(res.status).toBe(200);
        const p = await bodyOf<InclusionProof>(res);
        expect(p).toMatchObject({ leaf_index: i, tree_size: treeSize });
        const path = p.audit_path.map((h) => fromHex(h));
        expect(
          verifyInclusion(leafHash(fromHex(id as string)), i, treeSize, path, fromHex(p.root)),
        ).toBe(true);
      }
    }
    const def = (await (await get(`/v1/proof/inclusion/${ids[0]}`)).json()) as InclusionProof;
    expect(def.tree_size).toBe(size);
  });

  test("inclusion tree_size bounds, bad and unknown ids", async () => {
    const size = t.engine.tree.size;
    expect(await problem(await get(`/v1/proof/inclusion/${ids[3]}?tree_size=3`))).toMatchObject({
      status: 422,
      code: "bad_tree_size",
      field: "tree_size",
    });
    expect(
      await problem(await get(`/v1/proof/inclusion/${ids[0]}?tree_size=${size + 1}`)),
    ).toMatchObject({
      code: "bad_tree_size",
    });
    expect(await problem(await get(`/v1/proof/inclusion/${ids[0]}?tree_size=-1`))).toMatchObject({
      code: "invalid_field",
      field: "tree_size",
    });
    expect(await problem(await get("/v1/proof/inclusion/nothex"))).toMatchObject({ status: 422 });
    expect(await problem(await get(`/v1/proof/inclusion/${"cd".repeat(32)}`))).toMatchObject({
      status: 404,
    });
  });

  test("consistency proofs verify; from=0 and from=to are empty", async () => {
    const size = t.engine.tree.size;
    const rootAt = async (n: number) =>
      fromHex(
        (
          (await (
            await get(`/v1/proof/inclusion/${ids[0]}?tree_size=${n}`)
          ).json()) as InclusionProof
        ).root,
      );
    for (let from = 1; from < size; from++) {
      const p = (await (
        await get(`/v1/proof/consistency?from=${from}&to=${size}`)
      ).json()) as ConsistencyProof;
      expect(p).toMatchObject({ from, to: size });
      const proof = p.proof.map((h) => fromHex(h));
      expect(verifyConsistency(from, size, await rootAt(from), await rootAt(size), proof)).toBe(
        true,
      );
    }
    expect(await (await get(`/v1/proof/consistency?from=0&to=${size}`)).json()).toEqual({
      from: 0,
      to: size,
      proof: [],
    });
    expect(await (await get("/v1/proof/consistency?from=3&to=3")).json()).toEqual({
      from: 3,
      to: 3,
      proof: [],
    });
    const dflt = (await (await get("/v1/proof/consistency?from=2")).json()) as ConsistencyProof;
    expect(dflt.to).toBe(size);
  });

  test("consistency: from > to, to > size, missing from are 422", async () => {
    const size = t.engine.tree.size;
    expect(await problem(await get("/v1/proof/consistency?from=3&to=2"))).toMatchObject({
      status: 422,
      code: "bad_tree_size",
      field: "from",
    });
    expect(await problem(await get(`/v1/proof/consistency?from=1&to=${size + 1}`))).toMatchObject({
      status: 422,
      code: "bad_tree_size",
      field: "to",
    });
    expect(await problem(await get("/v1/proof/consistency?to=2"))).toMatchObject({
      code: "missing_field",
      field: "from",
    });
    expect(await problem(await get("/v1/proof/consistency?from=1.5"))).toMatchObject({
      code: "invalid_field",
    });
  });
});
