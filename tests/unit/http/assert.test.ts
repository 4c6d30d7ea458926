/**
 * POST /v1/assert (SPEC §3): single, batch and NDJSON ingest through the real
 * engine, each error path with its status and stable code, and `?proof=1`
 * audit paths checked with the independent RFC 9162 verifier.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fromHex } from "../../../src/hex.ts";
import { leafHash } from "../../../src/merkle/hash.ts";
import { verifyTreeHead } from "../../../src/merkle/tree-head.ts";
import { verifyInclusion } from "../../../src/merkle/verify-proofs.ts";
import {
  type BatchResponse,
  body as bodyOf,
  json,
  openTestApp,
  problem,
  type Receipt,
  type TestApp,
  testAgent,
} from "./http-test-helpers.ts";

let t: TestApp;
const MAX_BATCH = 5;
const MAX_BODY = 8192;

beforeAll(async () => {
  t = await openTestApp({ maxBatch: MAX_BATCH, maxBodyBytes: MAX_BODY });
});
afterAll(async () => {
  await t.close();
});

const post = (body: unknown, query = "", headers: Record<string, string> = {}) =>
  t.app.request(`/v1/assert${query}`, json(body, headers));

const ndjson = (text: string) =>
  t.app.request("/v1/assert", {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: text,
  });

describe("single assertion", () => {
  test("201 with id, seq, status, tree_size and a verifiable STH; then 200 duplicate", async () => {
    const a = testAgent().sign({ value: { level: 3 } });
    const res = await post(a);
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    const body = await bodyOf<Receipt>(res);
    expect(body.status).toBe("accepted");
    expect(body.id).toMatch(/^[0-9a-f]{64}$/);
    expect(body.seq).toBeGreaterThanOrEqual(1);
    expect(body.tree_size).toBe(body.sth.tree_size);
    expect(body.sth.tree_size).toBeGreaterThanOrEqual(body.seq);
    expect(verifyTreeHead(body.sth)).toBe(true);
    expect(body.audit_path).toBeUndefined();

    const again = await post(a);
    expect(again.status).toBe(200);
    const dup = await bodyOf<Receipt>(again);
    expect(dup).toMatchObject({ id: body.id, seq: body.seq, status: "duplicate" });
  });

  test("?proof=1 returns an audit path that verifies against the receipt's STH", async () => {
    const agent = testAgent();
    for (let i = 0; i < 4; i++) expect((await post(agent.sign({ value: i }))).status).toBe(201);
    const res = await post(agent.sign({ value: "proved" }), "?proof=1");
    expect(res.status).toBe(201);
    const body = await bodyOf<Receipt>(res);
    expect(Array.isArray(body.audit_path)).toBe(true);
    const ok = verifyInclusion(
      leafHash(fromHex(body.id)),
      body.seq - 1,
      body.sth.tree_size,
      (body.audit_path ?? []).map((h) => fromHex(h)),
      fromHex(body.sth.root),
    );
    expect(ok).toBe(true);
  });

  test("a bad ?proof value is 422", async () => {
    const p = await problem(await post(testAgent().sign({}), "?proof=maybe"));
    expect(p).toMatchObject({ status: 422, code: "invalid_field", field: "proof" });
  });

  test("a bad signature is 422 bad_signature, also for an already recorded id", async () => {
    const a = testAgent().sign({});
    expect((await post(a)).status).toBe(201);
    const forged = { ...a, sig: a.sig.replace(/^./, (ch) => (ch === "0" ? "1" : "0")) };
    const p = await problem(await post(forged));
    expect(p).toMatchObject({ status: 422, code: "bad_signature", field: "sig" });
  });

  test("schema violations are 422 with code and field", async () => {
    const a = testAgent().sign({});
    expect(await problem(await post({ ...a, extra: 1 }))).toMatchObject({
      status: 422,
      code: "unknown_field",
      field: "extra",
    });
    const { ts: _ts, ...noTs } = a;
    expect(await problem(await post(noTs))).toMatchObject({ code: "missing_field", field: "ts" });
    expect(await problem(await post(testAgent().sign({ concept: "Bad/Concept" })))).toMatchObject({
      code: "invalid_field",
      field: "concept",
    });
    expect(await problem(await post(JSON.stringify("just a string")))).toMatchObject({
      status: 422,
      code: "invalid_field",
    });
  });

  test("a ts beyond the allowed skew is 422 clock_skew", async () => {
    const p = await problem(await post(testAgent().sign({ ts: Date.now() + 3_600_000 })));
    expect(p).toMatchObject({ status: 422, code: "clock_skew", field: "ts" });
  });

  test("a lone surrogate is 422 bad_unicode", async () => {
    const a = testAgent().sign({});
    const text = JSON.stringify(a).replace('"degraded"', '"bad \\ud800 text"');
    const p = await problem(await post(text));
    expect(p).toMatchObject({ status: 422, code: "bad_unicode", field: "value" });
  });

  test("a retraction of an unknown id is 422 unknown_target (decided by the engine)", async () => {
    const r = testAgent().sign({ value: null, retracts: "ab".repeat(32) });
    const p = await problem(await post(r));
    expect(p).toMatchObject({ status: 422, code: "unknown_target", field: "retracts" });
  });

  test("a retraction of one's own assertion is recorded", async () => {
    const agent = testAgent();
    const target = (await (await post(agent.sign({}))).json()) as { id: string };
    const res = await post(agent.sign({ value: null, retracts: target.id }));
    expect(res.status).toBe(201);
    const other = await problem(await post(testAgent().sign({ value: null, retracts: target.id })));
    expect(other.code).toBe("not_owner");
  });
});

describe("body errors", () => {
  test("invalid JSON is 400 bad_json", async () => {
    expect(await problem(await post("{not json"))).toMatchObject({ status: 400, code: "bad_json" });
    expect(await problem(await post(""))).toMatchObject({ status: 400, code: "bad_json" });
  });

  test("invalid UTF-8 is 400 bad_json", async () => {
    const res = await t.app.request("/v1/assert", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    });
    expect(await problem(res)).toMatchObject({ status: 400, code: "bad_json" });
  });

  test("a wrong or missing content type is 415", async () => {
    const body = JSON.stringify(testAgent().sign({}));
    const form = await t.app.request("/v1/assert", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    expect(await problem(form)).toMatchObject({ status: 415, code: "unsupported_media_type" });
    const none = await t.app.request("/v1/assert", { method: "POST", body: new Blob([body]) });
    expect(await problem(none)).toMatchObject({ status: 415, code: "unsupported_media_type" });
  });

  test("content type parameters are accepted", async () => {
    const res = await post(testAgent().sign({}), "", {
      "content-type": "application/json; charset=utf-8",
    });
    expect(res.status).toBe(201);
  });

  test("a declared Content-Length over the limit is 413 body_too_large", async () => {
    const big = "x".repeat(MAX_BODY + 1);
    const p = await problem(await post(`"${big}"`));
    expect(p).toMatchObject({ status: 413, code: "body_too_large" });
  });

  test("Content-Length alone decides before any byte is read", async () => {
    const req = new Request("http://localhost/v1/assert", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(MAX_BODY + 1) },
      body: "{}",
    });
    const p = await problem(await t.app.request(req));
    expect(p).toMatchObject({ status: 413, code: "body_too_large" });
  });

  test("a streamed body over the limit is 413 without a Content-Length", async () => {
    const chunk = new Uint8Array(1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const req = new Request("http://localhost/v1/assert", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
    });
    expect(req.headers.get("content-length")).toBeNull();
    const p = await problem(await t.app.request(req));
    expect(p).toMatchObject({ status: 413, code: "body_too_large" });
    expect(sent).toBeLessThan(64); // the rest of the stream was never read
  });
});

describe("batches", () => {
  test("mixed results: accepted, duplicate, rejected per item", async () => {
    const agent = testAgent();
    const first = agent.sign({ value: "one" });
    expect((await post(first)).status).toBe(201);
    const good = agent.sign({ value: "two" });
    const bad = { ...agent.sign({ value: "three" }), sig: "00".repeat(64) };
    const res = await post([good, first, bad, { v: 1 }, good]);
    expect(res.status).toBe(200);
    const body = await bodyOf<BatchResponse>(res);
    expect(body.results.map((r) => r.status)).toEqual([
      "accepted",
      "duplicate",
      "rejected",
      "rejected",
      "duplicate",
    ]);
    expect(body.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(body.results[2]).toMatchObject({
      id: null,
      seq: null,
      error: { code: "bad_signature", field: "sig" },
    });
    expect(body.results[3]?.error?.code).toBe("missing_field");
    expect(body.results[4]?.seq).toBe(body.results[0]?.seq as number);
    expect(body).toMatchObject({ accepted: 1, duplicates: 2, quarantined: 0, rejected: 2 });
    expect(body.tree_size).toBe(body.sth.tree_size);
    expect(verifyTreeHead(body.sth)).toBe(true);
  });

  test("an all-rejected batch still answers with the current STH", async () => {
    const res = await post([{ nope: true }]);
    expect(res.status).toBe(200);
    const body = await bodyOf<BatchResponse>(res);
    expect(body).toMatchObject({ accepted: 0, rejected: 1, tree_size: t.engine.tree.size });
  });

  test("an empty batch is 422 empty_batch", async () => {
    expect(await problem(await post([]))).toMatchObject({ status: 422, code: "empty_batch" });
  });

  test("more than the batch limit is 413 batch_too_large", async () => {
    const agent = testAgent();
    const items = Array.from({ length: MAX_BATCH + 1 }, (_, i) => agent.sign({ value: i }));
    expect(await problem(await post(items))).toMatchObject({
      status: 413,
      code: "batch_too_large",
    });
  });
});

describe("NDJSON", () => {
  test("one result per line; a line that does not parse is rejected bad_json", async () => {
    const agent = testAgent();
    const lines = [
      JSON.stringify(agent.sign({ value: "a" })),
      "{broken",
      "",
      `${JSON.stringify(agent.sign({ value: "b" }))}\r`,
    ];
    const res = await ndjson(`${lines.join("\n")}\n`);
    expect(res.status).toBe(200);
    const body = await bodyOf<BatchResponse>(res);
    expect(body.results).toHaveLength(3);
    expect(body.results[0]?.status).toBe("accepted");
    expect(body.results[1]).toMatchObject({
      index: 1,
      status: "rejected",
      error: { code: "bad_json" },
    });
    expect(body.results[1]?.error?.detail).toContain("line 2");
    expect(body.results[2]?.status).toBe("accepted");
    expect(body).toMatchObject({ accepted: 2, rejected: 1 });
  });

  test("an empty NDJSON body is 422 empty_batch, too many lines 413", async () => {
    expect(await problem(await ndjson("\n\n"))).toMatchObject({ status: 422, code: "empty_batch" });
    const agent = testAgent();
    const many = Array.from({ length: MAX_BATCH + 1 }, (_, i) =>
      JSON.stringify(agent.sign({ value: i })),
    );
    expect(await problem(await ndjson(many.join("\n")))).toMatchObject({
      status: 413,
      code: "batch_too_large",
    });
    // Counted before parsing: lines that are not even JSON still make it 413.
    expect(await problem(await ndjson("x\n".repeat(MAX_BATCH + 1)))).toMatchObject({
      status: 413,
      code: "batch_too_large",
    });
  });
});
