/**
 * The admin agent registry (SPEC §3, §6): bearer auth with 401 +
 * WWW-Authenticate, strict PUT bodies merged into the entry, list paging; and
 * `resolveAdminToken`, which generates a 0600 token file once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAdminToken, rotateAdminToken } from "../../../src/http/admin-token.ts";
import { memoryLogger } from "../../../src/logger.ts";
import {
  ADMIN_TOKEN,
  type AgentList,
  body as bodyOf,
  openTestApp,
  problem,
  type TestApp,
  testAgent,
} from "./http-test-helpers.ts";

let t: TestApp;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => {
  await t.close();
});

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const put = (key: string, body: unknown, headers: Record<string, string> = auth) =>
  t.app.request(`/v1/agents/${key}`, {
    method: "PUT",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("admin auth", () => {
  test("missing or wrong token is 401 with WWW-Authenticate: Bearer", async () => {
    const key = testAgent().agent;
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token" },
      { authorization: `Basic ${ADMIN_TOKEN}` },
      { authorization: `Bearer ${ADMIN_TOKEN}x` },
    ];
    for (const headers of variants) {
      for (const res of [
        await t.app.request("/v1/agents", { headers }),
        await t.app.request(`/v1/agents/${key}`, { headers }),
        await put(key, { trust: 1 }, headers),
      ]) {
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toStartWith("Bearer");
        expect((await problem(res)).code).toBe("unauthorized");
      }
    }
    expect(t.engine.agent(key)).toBeUndefined();
  });
});

describe("agents", () => {
  test("PUT merges the given fields; GET reads them back", async () => {
    const key = testAgent().agent;
    const first = await put(key, { name: "checker", trust: 0.8 });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      agent: key,
      name: "checker",
      trust: 0.8,
      allowed: true,
    });
    const second = await put(key, { allowed: false });
    expect(await second.json()).toMatchObject({ name: "checker", trust: 0.8, allowed: false });
    const cleared = await put(key, { trust: null });
    expect(await cleared.json()).toMatchObject({ name: "checker", trust: null, allowed: false });
    const got = await t.app.request(`/v1/agents/${key}`, { headers: auth });
    expect(await got.json()).toMatchObject({
      agent: key,
      name: "checker",
      trust: null,
      allowed: false,
    });
  });

  test("PUT validation: unknown field, trust out of range, wrong types, bad key, bad JSON", async () => {
    const key = testAgent().agent;
    expect(await problem(await put(key, { trust: 1.5 }))).toMatchObject({
      status: 422,
      code: "invalid_field",
      field: "trust",
    });
    expect(await problem(await put(key, { trust: -0.1 }))).toMatchObject({ field: "trust" });
    expect(await problem(await put(key, { allowed: "yes" }))).toMatchObject({ field: "allowed" });
    expect(await problem(await put(key, { name: 7 }))).toMatchObject({ field: "name" });
    expect(await problem(await put(key, { role: "admin" }))).toMatchObject({
      code: "invalid_field",
      field: "role",
    });
    expect(await problem(await put(key, { owner: "x" }))).toMatchObject({
      code: "unknown_field",
      field: "owner",
    });
    expect(await problem(await put(key, [1]))).toMatchObject({
      status: 422,
      code: "invalid_field",
    });
    expect(await problem(await put(key, "{nope"))).toMatchObject({ status: 400, code: "bad_json" });
    expect(await problem(await put("NOTAKEY", { trust: 1 }))).toMatchObject({
      status: 422,
      field: "key",
    });
    const wrongType = await t.app.request(`/v1/agents/${key}`, {
      method: "PUT",
      headers: { ...auth, "content-type": "text/plain" },
      body: "{}",
    });
    expect((await problem(wrongType)).status).toBe(415);
    expect(t.engine.agent(key)).toBeUndefined();
  });

  test("GET unknown agent is 404, malformed key 422", async () => {
    const unknown = await t.app.request(`/v1/agents/${testAgent().agent}`, { headers: auth });
    expect(await problem(unknown)).toMatchObject({ status: 404, code: "not_found" });
    const bad = await t.app.request("/v1/agents/zz", { headers: auth });
    expect(await problem(bad)).toMatchObject({ status: 422, field: "key" });
  });

  test("GET /v1/agents lists in key order with a cursor", async () => {
    for (let i = 0; i < 3; i++) await put(testAgent().agent, { trust: 0.5 });
    const all = (await (
      await t.app.request("/v1/agents?limit=1000", { headers: auth })
    ).json()) as AgentList;
    const keys = all.agents.map((a) => a.agent);
    expect(keys).toEqual([...keys].sort());
    const paged: string[] = [];
    let cursor = "";
    for (let i = 0; i < 100; i++) {
      const res = await t.app.request(`/v1/agents?limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
        headers: auth,
      });
      const body = await bodyOf<AgentList>(res);
      paged.push(...body.agents.map((a) => a.agent));
      if (body.next_cursor === null) break;
      cursor = body.next_cursor;
    }
    expect(paged).toEqual(keys);
    const bad = await t.app.request("/v1/agents?cursor=xyz", { headers: auth });
    expect((await problem(bad)).code).toBe("bad_cursor");
  });
});

describe("resolveAdminToken", () => {
  test("config wins; otherwise a 0600 file is generated once and its path (not the token) logged", () => {
    const dir = mkdtempSync(join(tmpdir(), "stemedb-token-"));
    try {
      const log = memoryLogger();
      expect(resolveAdminToken({ adminToken: "configured-token-123456" }, dir, log)).toBe(
        "configured-token-123456",
      );
      const dataDir = join(dir, "data");
      const token = resolveAdminToken({ adminToken: undefined }, dataDir, log);
      // Not the shape of an agent key (64 hex): `stmadm_` + 32 random bytes in base64url.
      expect(token).toMatch(/^stmadm_[A-Za-z0-9_-]{43}$/);
      const path = join(dataDir, "admin.token");
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, "utf8").trim()).toBe(token);
      expect(log.lines).toHaveLength(1);
      expect(JSON.stringify(log.lines)).toContain(path);
      expect(JSON.stringify(log.lines)).not.toContain(token);
      // Second start: same token, nothing printed.
      expect(resolveAdminToken({ adminToken: undefined }, dataDir, log)).toBe(token);
      expect(log.lines).toHaveLength(1);
      // A truncated file is a clear configuration error.
      writeFileSync(path, "short\n", { mode: 0o600 });
      expect(() => resolveAdminToken({ adminToken: undefined }, dataDir, log)).toThrow(
        /shorter than/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("an admin token that cannot be taken for an agent key (issue 18)", () => {
  test("a 64-hex token from before keeps working, with a warning that says how to rotate it", () => {
    const dir = mkdtempSync(join(tmpdir(), "stemedb-token-"));
    try {
      const old = "ab".repeat(32);
      writeFileSync(join(dir, "admin.token"), `${old}\n`, { mode: 0o600 });
      const log = memoryLogger();
      expect(resolveAdminToken({ adminToken: undefined }, dir, log)).toBe(old);
      expect(JSON.stringify(log.lines)).toContain("stemedb admin-token rotate");
      expect(JSON.stringify(log.lines)).not.toContain(old);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("rotate replaces the file with a new stmadm_ token, mode 0600", () => {
    const dir = mkdtempSync(join(tmpdir(), "stemedb-token-"));
    try {
      const first = resolveAdminToken({ adminToken: undefined }, dir, memoryLogger());
      const path = rotateAdminToken(dir);
      expect(path).toBe(join(dir, "admin.token"));
      const second = readFileSync(path, "utf8").trim();
      expect(second).toMatch(/^stmadm_[A-Za-z0-9_-]{43}$/);
      expect(second).not.toBe(first);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(resolveAdminToken({ adminToken: undefined }, dir, memoryLogger())).toBe(second);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("PUT /v1/agents/<the admin token> is 422 key_is_admin_token on field key; nothing is registered", async () => {
    const hexToken = "cd".repeat(32);
    const hex = await openTestApp({ adminToken: hexToken });
    try {
      const res = await hex.app.request(`/v1/agents/${hexToken}`, {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${hexToken}` },
        body: JSON.stringify({ name: "oops", trust: 1 }),
      });
      expect(res.status).toBe(422);
      expect(await problem(res)).toMatchObject({ code: "key_is_admin_token", field: "key" });
      expect(hex.engine.agent(hexToken)).toBeUndefined();
      expect(hex.engine.agents("", 10)).toEqual([]);
    } finally {
      await hex.close();
    }
  });
});
