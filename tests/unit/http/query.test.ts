/**
 * `GET`/`POST /v1/query` (SPEC §4) through HTTP: the route hands parameters to
 * the lens module; here we check the wiring, both parameter sources and the
 * error paths (missing filter, as_of beyond the tree, bad body), not lens logic.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type BatchResponse,
  body as bodyOf,
  json,
  openTestApp,
  problem,
  type QueryResponse,
  type TestApp,
  testAgent,
} from "./http-test-helpers.ts";

let t: TestApp;
const KEY = { concept: "acme/web/auth/login", predicate: "status" };

beforeAll(async () => {
  t = await openTestApp();
  const [a, b, c] = [testAgent(), testAgent(), testAgent()];
  const res = await t.app.request(
    "/v1/assert",
    json([
      a.sign({ ...KEY, value: "up", ts: Date.now() - 3000 }),
      b.sign({ ...KEY, value: "down", ts: Date.now() - 2000 }),
      c.sign({ ...KEY, value: "down", ts: Date.now() - 1000 }),
    ]),
  );
  expect((await bodyOf<BatchResponse>(res)).accepted).toBe(3);
});
afterAll(async () => {
  await t.close();
});

describe("query", () => {
  test("GET with query-string parameters runs the lens", async () => {
    const res = await t.app.request(
      `/v1/query?concept=${encodeURIComponent(KEY.concept)}&lens=consensus`,
    );
    expect(res.status).toBe(200);
    const body = await bodyOf<QueryResponse>(res);
    expect(body).toMatchObject({ lens: "consensus", tree_size: 3, next_cursor: null });
    expect(body.root).toMatch(/^[0-9a-f]{64}$/);
    expect(body.results).toHaveLength(1);
    expect(body.results[0]).toMatchObject({ ...KEY, value: "down", conflict: true });
  });

  test("POST with a JSON body gives the same answer; tail match and as_of work", async () => {
    const res = await t.app.request(
      "/v1/query",
      json({ concept: "auth/login", match: "tail", lens: "latest", as_of: 1 }),
    );
    expect(res.status).toBe(200);
    const body = await bodyOf<QueryResponse>(res);
    expect(body).toMatchObject({ lens: "latest", tree_size: 1 });
    expect(body.results[0]).toMatchObject({ value: "up" });
  });

  test("no filter is 422 missing_filter (GET and POST)", async () => {
    expect(await problem(await t.app.request("/v1/query"))).toMatchObject({
      status: 422,
      code: "missing_filter",
    });
    expect(await problem(await t.app.request("/v1/query", json({ lens: "all" })))).toMatchObject({
      status: 422,
      code: "missing_filter",
    });
  });

  test("as_of beyond the tree is 422 with field as_of", async () => {
    const p = await problem(await t.app.request(`/v1/query?predicate=status&as_of=4`));
    expect(p).toMatchObject({ status: 422, code: "bad_tree_size", field: "as_of" });
  });

  test("bad parameters and bodies are 4xx, never 500", async () => {
    expect(
      (await problem(await t.app.request("/v1/query?predicate=status&limit=5000"))).status,
    ).toBe(422);
    expect(
      (await problem(await t.app.request("/v1/query?predicate=status&lens=best"))).status,
    ).toBe(422);
    expect(
      (await problem(await t.app.request("/v1/query?predicate=status&cursor=garbage"))).status,
    ).toBe(422);
    expect(await problem(await t.app.request("/v1/query", json("{bad")))).toMatchObject({
      status: 400,
      code: "bad_json",
    });
    expect(await problem(await t.app.request("/v1/query", json([1])))).toMatchObject({
      status: 422,
    });
    const form = await t.app.request("/v1/query", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    expect((await problem(form)).status).toBe(415);
    const surrogate = await t.app.request("/v1/query", json('{"concept":"a\\ud800"}'));
    expect(await problem(surrogate)).toMatchObject({ status: 422, code: "bad_unicode" });
  });
});
