/**
 * The agent registry (SPEC §3, §6), admin only: list, read one, and PUT, which
 * merges the given fields (`name`, `trust` 0–1, `allowed`, `role`) into the entry —
 * creating it — through `engine.updateAgent`, so the change is a durable log
 * record like any write. `null` clears `name` or `trust` (trust then falls back
 * to the configured default). A key equal to the admin token is refused (422
 * `key_is_admin_token`, field `key`).
 */
import { Hono } from "hono";
import * as z from "zod";
import { StemeError } from "../../errors.ts";
import { adminAuth } from "../admin-auth.ts";
import type { RouteDeps } from "../app-deps.ts";
import type { HttpEnv } from "../http-env.ts";
import { readJsonObject } from "../json-body.ts";
import { intParam } from "../params.ts";
import { zodError } from "../zod-error.ts";

const HEX_64 = /^[0-9a-f]{64}$/;
export const AGENTS_DEFAULT_LIMIT = 100;
export const AGENTS_MAX_LIMIT = 1000;

export const agentUpdateSchema = z.strictObject({
  name: z.string().min(1).max(256).nullable().optional(),
  trust: z.number().min(0).max(1).nullable().optional(),
  allowed: z.boolean().optional(),
  /** SPEC §12: `operator` keys may write `_stemedb/` concepts (redactions). */
  role: z.enum(["agent", "operator"]).optional(),
});

function agentKey(value: string | undefined): string {
  if (value === undefined || !HEX_64.test(value)) {
    throw new StemeError(
      "invalid_field",
      "agent key must be exactly 64 lowercase hex chars (an Ed25519 public key)",
      {
        field: "key",
      },
    );
  }
  return value;
}

export interface AgentRoutesOptions {
  adminToken: string;
}

export function agentRoutes(deps: RouteDeps, options: AgentRoutesOptions): Hono<HttpEnv> {
  const { engine, config } = deps;
  const app = new Hono<HttpEnv>();
  const auth = adminAuth({ token: options.adminToken });
  app.use("/v1/agents", auth);
  app.use("/v1/agents/*", auth);

  app.get("/v1/agents", (c) => {
    const limit =
      intParam(c.req.query("limit"), "limit", { min: 1, max: AGENTS_MAX_LIMIT }) ??
      AGENTS_DEFAULT_LIMIT;
    const cursor = c.req.query("cursor") ?? "";
    if (cursor !== "" && !HEX_64.test(cursor)) {
      throw new StemeError(
        "bad_cursor",
        "cursor is not one this server handed out; pass next_cursor as given",
        {
          field: "cursor",
        },
      );
    }
    const rows = engine.agents(cursor, limit + 1);
    const page = rows.slice(0, limit);
    return c.json({
      agents: page,
      next_cursor: rows.length > limit ? (page[page.length - 1]?.agent ?? null) : null,
    });
  });

  app.get("/v1/agents/:key", (c) => {
    const entry = engine.agent(agentKey(c.req.param("key")));
    if (entry === undefined) {
      throw new StemeError("not_found", "this agent is not in the registry", { field: "key" });
    }
    return c.json(entry);
  });

  app.put("/v1/agents/:key", async (c) => {
    const agent = agentKey(c.req.param("key"));
    // A 64-hex admin token (generated before issue 18, or set so) pasted as an agent key
    // would land in the append-only log and the archive: refuse it before anything is written.
    if (agent === options.adminToken) {
      throw new StemeError(
        "key_is_admin_token",
        "this key is the server's admin token, not an agent's public key; nothing was registered — rotate the admin token (`stemedb admin-token rotate`) if it was shared",
        { field: "key" },
      );
    }
    const body = await readJsonObject(c.req.raw, config.maxBodyBytes);
    const parsed = agentUpdateSchema.safeParse(body);
    if (!parsed.success) throw zodError(parsed.error, body);
    return c.json(await engine.updateAgent({ agent, ...parsed.data }));
  });

  return app;
}
