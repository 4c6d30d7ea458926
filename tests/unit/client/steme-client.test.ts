/**
 * StemeClient's HTTP contract with a scripted fetch: the requests it builds
 * (method, path, query, headers, body) and how answers map to results and to
 * StemeClientError (problem+json code, field, status, request id, Retry-After).
 */
import { describe, expect, test } from "bun:test";
import { StemeClient, StemeClientError } from "../../../src/client/index.ts";

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function scripted(answer: () => Response) {
  const seen: Seen[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    seen.push({
      url,
      method: init?.method ?? "GET",
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body as string | undefined,
    });
    return answer();
  };
  return { seen, fetch };
}

const ID = "ab".repeat(32);
const ok =
  (body: unknown, status = 200) =>
  () =>
    Response.json(body, { status });

describe("requests", () => {
  test("paths, query strings and bodies", async () => {
    const { seen, fetch } = scripted(ok({}));
    const client = new StemeClient({ baseUrl: "http://db.example:18180/", fetch });
    await client.root();
    await client.get(ID);
    await client.inclusionProof(ID, 7);
    await client.inclusionProof(ID);
    await client.consistencyProof(3, 9);
    await client.history({ concept: "a/b", predicate: "p", limit: 5 });
    await client.query({ concept: "a", match: "prefix", as_of: 4, limit: undefined });
    await client.assertNdjson(["{}", "{}"]);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET http://db.example:18180/v1/merkle/root",
      `GET http://db.example:18180/v1/assertions/${ID}`,
      `GET http://db.example:18180/v1/proof/inclusion/${ID}?tree_size=7`,
      `GET http://db.example:18180/v1/proof/inclusion/${ID}`,
      "GET http://db.example:18180/v1/proof/consistency?from=3&to=9",
      "GET http://db.example:18180/v1/history?concept=a%2Fb&predicate=p&limit=5",
      "POST http://db.example:18180/v1/query",
      "POST http://db.example:18180/v1/assert",
    ]);
    expect(JSON.parse(seen[6]?.body as string)).toEqual({
      concept: "a",
      match: "prefix",
      as_of: 4,
    });
    expect(seen[7]?.headers["content-type"]).toBe("application/x-ndjson");
    expect(seen[7]?.body).toBe("{}\n{}\n");
  });

  test("admin calls send the bearer token, and fail locally without one", async () => {
    const { seen, fetch } = scripted(ok({ agents: [], next_cursor: null }));
    const admin = new StemeClient({ baseUrl: "http://h", fetch, adminToken: "t".repeat(32) });
    await admin.listAgents({ limit: 2 });
    await admin.putAgent(ID, { trust: 0.8 });
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${"t".repeat(32)}`);
    expect(seen[1]?.method).toBe("PUT");
    expect(JSON.parse(seen[1]?.body as string)).toEqual({ trust: 0.8 });
    const anon = new StemeClient({ baseUrl: "http://h", fetch });
    const e = await anon.listAgents().catch((x) => x);
    expect(e).toBeInstanceOf(StemeClientError);
    expect(e.code).toBe("unauthorized");
    expect(seen).toHaveLength(2);
  });

  test("bad arguments are TypeErrors naming them", () => {
    expect(() => new StemeClient({ baseUrl: "not a url" })).toThrow(TypeError);
    expect(() => new StemeClient({ baseUrl: "ftp://x" })).toThrow(/http/);
    const client = new StemeClient({ baseUrl: "http://h", fetch: scripted(ok({})).fetch });
    expect(() => client.get("ABC")).toThrow(/id must be 64 lowercase hex/);
    expect(() => client.assert(null as never)).toThrow(TypeError);
  });
});

describe("errors", () => {
  test("problem+json becomes a StemeClientError with code, field, status and request id", async () => {
    const { fetch } = scripted(
      () =>
        new Response(
          JSON.stringify({
            type: "urn:stemedb:problem:bad_signature",
            title: "Bad signature",
            status: 422,
            code: "bad_signature",
            detail: "sig is not a valid Ed25519 signature",
            field: "sig",
            request_id: "req-1",
          }),
          { status: 422, headers: { "content-type": "application/problem+json" } },
        ),
    );
    const e = await new StemeClient({ baseUrl: "http://h", fetch }).root().catch((x) => x);
    expect(e).toBeInstanceOf(StemeClientError);
    expect([e.code, e.field, e.status, e.requestId, e.message]).toEqual([
      "bad_signature",
      "sig",
      422,
      "req-1",
      "sig is not a valid Ed25519 signature",
    ]);
  });

  test("Retry-After is carried; a non-JSON error body still gives a code", async () => {
    const { fetch } = scripted(
      () =>
        new Response("busy", {
          status: 503,
          statusText: "Service Unavailable",
          headers: { "retry-after": "3" },
        }),
    );
    const e = await new StemeClient({ baseUrl: "http://h", fetch }).root().catch((x) => x);
    expect([e.code, e.status, e.retryAfter]).toEqual(["http_503", 503, 3]);
  });

  test("an unreachable server is network_error; a non-JSON 200 is bad_response", async () => {
    const down = async () => {
      throw new Error("ECONNREFUSED");
    };
    const e1 = await new StemeClient({ baseUrl: "http://h", fetch: down }).root().catch((x) => x);
    expect([e1.code, e1.status]).toEqual(["network_error", 0]);
    expect(e1.message).toContain("ECONNREFUSED");
    const { fetch } = scripted(() => new Response("<html>", { status: 200 }));
    const e2 = await new StemeClient({ baseUrl: "http://h", fetch }).root().catch((x) => x);
    expect(e2.code).toBe("bad_response");
  });
});
