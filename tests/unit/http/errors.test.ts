/**
 * The one error mapper and the request id (SPEC §3): every error is RFC 9457
 * problem+json with a stable code and the request id; unknown failures are a
 * generic 500 with the details only in the log; `X-Request-Id` is echoed when
 * sane and generated otherwise.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ErrorCode } from "../../../src/errors.ts";
import { StemeError } from "../../../src/errors.ts";
import { createApp } from "../../../src/http/app.ts";
import { PROBLEM_TABLE, toProblem } from "../../../src/http/error-mapper.ts";
import { memoryLogger } from "../../../src/logger.ts";
import { ADMIN_TOKEN, openTestApp, problem, type TestApp } from "./http-test-helpers.ts";

let t: TestApp;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => {
  await t.close();
});

describe("X-Request-Id", () => {
  test("a sane incoming id is echoed on success and on errors", async () => {
    const ok = await t.app.request("/v1/health/live", {
      headers: { "X-Request-Id": "edge-42.a_b" },
    });
    expect(ok.headers.get("x-request-id")).toBe("edge-42.a_b");
    const bad = await t.app.request("/v1/assertions/zz", {
      headers: { "X-Request-Id": "edge-43" },
    });
    expect(bad.headers.get("x-request-id")).toBe("edge-43");
    expect((await problem(bad)).request_id).toBe("edge-43");
  });

  test("a missing, too long or unsafe id is replaced by a generated one", async () => {
    for (const incoming of [undefined, "x".repeat(129), "has space", "semi;colon", "ü"]) {
      const headers: Record<string, string> =
        incoming === undefined ? {} : { "X-Request-Id": incoming };
      const res = await t.app.request("/v1/health/live", { headers });
      const id = res.headers.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(id).not.toBe(incoming ?? null);
    }
  });
});

describe("problem+json", () => {
  test("an unknown route is a 404 problem", async () => {
    const res = await t.app.request("/v2/nothing");
    expect(await problem(res)).toMatchObject({ status: 404, code: "not_found" });
  });

  test("an unexpected error is 500 internal with no internals, logged with its stack", async () => {
    const logger = memoryLogger();
    const engine = Object.create(t.engine) as typeof t.engine;
    engine.getAssertion = () => {
      throw new Error("SQLITE_CORRUPT at /secret/path/state.sqlite");
    };
    const app = createApp({ engine, config: t.config, logger, adminToken: ADMIN_TOKEN });
    const res = await app.request(`/v1/assertions/${"ab".repeat(32)}`);
    const text = await res.clone().text();
    const p = await problem(res);
    expect(p).toMatchObject({ status: 500, code: "internal" });
    expect(p.field).toBeUndefined();
    expect(text).not.toContain("secret");
    expect(text).not.toContain("SQLITE");
    expect(text).not.toContain("at ");
    const logged = logger.lines.find((l) => l.level === "error");
    expect(JSON.stringify(logged)).toContain("/secret/path");
    expect(JSON.stringify(logged)).toContain(p.request_id);
  });

  test("every error code has a 4xx or 5xx status and a title", () => {
    for (const [code, spec] of Object.entries(PROBLEM_TABLE)) {
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
      expect(spec.title.length).toBeGreaterThan(0);
      const { problem: p } = toProblem(
        new StemeError(code as ErrorCode, "x"),
        "rid",
        memoryLogger(),
      );
      expect(p).toMatchObject({ code, status: spec.status, request_id: "rid" });
    }
  });

  test("client-input codes are 4xx; 401 has WWW-Authenticate; 429 and 503 have Retry-After", () => {
    const clientCodes: ErrorCode[] = [
      "bad_json",
      "bad_unicode",
      "invalid_field",
      "unknown_field",
      "missing_field",
      "bad_signature",
      "value_too_large",
      "clock_skew",
      "empty_batch",
      "batch_too_large",
      "body_too_large",
      "unsupported_media_type",
      "missing_filter",
      "bad_tree_size",
      "bad_cursor",
    ];
    for (const code of clientCodes) expect(PROBLEM_TABLE[code].status).toBeLessThan(500);
    const log = memoryLogger();
    expect(
      toProblem(new StemeError("unauthorized", "x"), "r", log).headers["www-authenticate"],
    ).toStartWith("Bearer");
    expect(
      toProblem(new StemeError("rate_limited", "x", { retryAfterS: 7 }), "r", log).headers[
        "retry-after"
      ],
    ).toBe("7");
    expect(toProblem(new StemeError("not_ready", "x"), "r", log).headers["retry-after"]).toBe("1");
  });
});
