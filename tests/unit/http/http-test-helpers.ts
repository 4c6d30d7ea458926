/**
 * A real engine on a temp data dir behind `createApp`, for tests that drive the
 * HTTP API in-process with `app.request()`. Assertions are signed with real
 * Ed25519 keys by the client-side signer (src/protocol/sign.ts).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConsistencyProof, InclusionProof } from "../../../src/client/client-types.ts";
import { type Config, parseConfig } from "../../../src/config.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { toHex } from "../../../src/hex.ts";
import { createApp } from "../../../src/http/app.ts";
import type { AssertionView } from "../../../src/http/assertion-view.ts";
import { Metrics } from "../../../src/http/metrics.ts";
import { SERVER_VERSION } from "../../../src/http/server-version.ts";
import type { QueryResponse } from "../../../src/lens/query-response.ts";
import { silentLogger } from "../../../src/logger.ts";
import type { SignedTreeHead } from "../../../src/merkle/tree-head.ts";
import type { Assertion, UnsignedAssertion } from "../../../src/protocol/assertion.ts";
import type { BatchResponse } from "../../../src/protocol/batch-receipt.ts";
import { type AgentKey, generateAgentKey, signAssertion } from "../../../src/protocol/sign.ts";
import type { AgentEntry } from "../../../src/store/agent-table.ts";

export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export interface TestApp {
  app: ReturnType<typeof createApp>;
  engine: Engine;
  config: Config;
  dir: string;
  close(): Promise<void>;
}

export async function openTestApp(overrides: Record<string, unknown> = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "stemedb-http-"));
  // In-process requests share one client address ("unknown"), so admin-heavy tests would trip
  // the per-IP admin limit; rate-limit.test.ts tests the limits with their defaults.
  const config = parseConfig({ dataDir: dir, port: 0, rateAdminPerIp: 0, ...overrides });
  const metrics = new Metrics(SERVER_VERSION);
  const engine = await Engine.open({
    dataDir: dir,
    logger: silentLogger,
    log: { onFsync: metrics.onFsync },
  });
  const adminToken = config.adminToken ?? ADMIN_TOKEN;
  const app = createApp({ engine, config, logger: silentLogger, adminToken, metrics });
  return {
    app,
    engine,
    config,
    dir,
    async close() {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestAgent {
  key: AgentKey;
  agent: string;
  sign(fields: Partial<UnsignedAssertion>): Assertion;
}

let tsCounter = 0;

export function testAgent(): TestAgent {
  const key = generateAgentKey();
  const agent = toHex(key.publicKey);
  return {
    key,
    agent,
    sign(fields) {
      const unsigned: UnsignedAssertion = {
        v: 1,
        concept: "acme/web/checkout",
        predicate: "status",
        value: "degraded",
        ts: Date.now() - 60_000 + tsCounter++,
        agent,
        ...fields,
      };
      return signAssertion(unsigned, key.secretKey);
    },
  };
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

/** Reads a problem+json response and checks the RFC 9457 envelope every error must have. */
export async function problem(
  res: Response,
): Promise<{ code: string; status: number; detail: string; field?: string; request_id: string }> {
  if (!res.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(
      `expected problem+json, got ${res.headers.get("content-type")} (${res.status})`,
    );
  }
  const body = (await res.json()) as {
    type: string;
    title: string;
    status: number;
    code: string;
    detail: string;
    field?: string;
    request_id: string;
  };
  if (body.status !== res.status) throw new Error(`problem status ${body.status} != ${res.status}`);
  if (body.type !== `urn:stemedb:problem:${body.code}`) throw new Error(`bad type ${body.type}`);
  if (body.request_id !== res.headers.get("x-request-id")) throw new Error("request_id != header");
  if (typeof body.title !== "string" || typeof body.detail !== "string")
    throw new Error("title/detail");
  return body;
}

/** The response body as `T` (the shapes below, from SPEC §3). */
export async function body<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export interface Receipt {
  id: string;
  seq: number;
  status: string;
  tree_size: number;
  sth: SignedTreeHead;
  audit_path?: string[];
}

export interface HistoryPage {
  items: AssertionView[];
  next_cursor: string | null;
}

export interface AgentList {
  agents: AgentEntry[];
  next_cursor: string | null;
}

export type { AssertionView, BatchResponse, ConsistencyProof, InclusionProof, QueryResponse };

/** What a client sees of a response: status, every header, the body's text. */
export interface Seen {
  status: number;
  headers: [string, string][];
  body: string;
}

export async function seen(res: Response | Promise<Response>): Promise<Seen> {
  const r = await res;
  return { status: r.status, headers: [...r.headers], body: await r.text() };
}

/** `s` without its request id (header and problem member): for answers to requests that sent none. */
export const withoutRequestId = (s: Seen): Seen => ({
  ...s,
  headers: s.headers.filter(([n]) => n !== "x-request-id"),
  body: s.body.replace(/"request_id":"[^"]*"/, ""),
});
