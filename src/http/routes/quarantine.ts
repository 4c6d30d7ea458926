/**
 * The quarantine review queue (SPEC §3, §6), admin only.
 *
 * `GET /v1/quarantine` lists assertions the policy quarantined, oldest first
 * (seq order), paged by seq: filters `status` (`quarantined` — the pending
 * queue, the default — `released`, `rejected` or `all`), `agent`, `reason`,
 * `concept` (exact), `since` (a seq: only later ones) and `cursor` (the
 * `next_cursor` of the previous page); `limit` ≤ 1000 (default 100). `total`
 * counts every item matching the filters, on all pages.
 *
 * `POST /v1/quarantine/:id/release` makes the assertion visible to lenses;
 * `…/reject` keeps it stored, never visible, for audit. Both are durable status
 * records in the log (`engine.setStatus`); nothing is deleted. Unknown id: 404;
 * an assertion not awaiting review: 409 `not_quarantined`. Both answer with the
 * item as it now is.
 */
import { Hono } from "hono";
import { isQuarantineReason, QUARANTINE_REASONS } from "../../defense/quarantine-reason.ts";
import { Status } from "../../engine/log-records.ts";
import { StemeError } from "../../errors.ts";
import type { StoredAssertion } from "../../store/assertion-table.ts";
import type { QuarantineFilter } from "../../store/quarantine-table.ts";
import { adminAuth } from "../admin-auth.ts";
import type { RouteDeps } from "../app-deps.ts";
import { assertionView } from "../assertion-view.ts";
import type { HttpEnv } from "../http-env.ts";
import { hexParam, intParam, seqCursorParam } from "../params.ts";

export const QUARANTINE_DEFAULT_LIMIT = 100;
export const QUARANTINE_MAX_LIMIT = 1000;

const HEX_64 = /^[0-9a-f]{64}$/;
const STATUSES = {
  quarantined: Status.quarantined,
  released: Status.released,
  rejected: Status.rejected,
  all: undefined,
} as const;

export interface QuarantineItem {
  id: string;
  seq: number;
  status: string;
  reasons: string[];
  received_at: number;
  assertion: Record<string, unknown>;
}

export interface QuarantinePage {
  items: QuarantineItem[];
  next_cursor: string | null;
  total: number;
}

export function quarantineItem(row: StoredAssertion): QuarantineItem {
  const view = assertionView(row);
  return {
    id: view.id,
    seq: view.seq,
    status: view.status,
    reasons: view.reasons ?? [],
    received_at: view.received_at,
    assertion: view.assertion,
  };
}

function invalid(field: string, detail: string): StemeError {
  return new StemeError("invalid_field", detail, { field });
}

function filterOf(q: (name: string) => string | undefined): QuarantineFilter {
  const status = q("status") || "quarantined";
  if (!Object.hasOwn(STATUSES, status)) {
    throw invalid("status", "status must be quarantined, released, rejected or all");
  }
  const filter: QuarantineFilter = {};
  const code = STATUSES[status as keyof typeof STATUSES];
  if (code !== undefined) filter.status = code;
  const agent = q("agent");
  if (agent) {
    if (!HEX_64.test(agent)) throw invalid("agent", "agent must be exactly 64 lowercase hex chars");
    filter.agent = agent;
  }
  const reason = q("reason");
  if (reason) {
    if (!isQuarantineReason(reason)) {
      throw invalid("reason", `reason must be one of ${QUARANTINE_REASONS.join(", ")}`);
    }
    filter.reason = reason;
  }
  const concept = q("concept");
  if (concept) filter.concept = concept;
  return filter;
}

export interface QuarantineRoutesOptions {
  adminToken: string;
}

export function quarantineRoutes(deps: RouteDeps, options: QuarantineRoutesOptions): Hono<HttpEnv> {
  const { engine, logger } = deps;
  const app = new Hono<HttpEnv>();
  const auth = adminAuth({ token: options.adminToken });
  app.use("/v1/quarantine", auth);
  app.use("/v1/quarantine/*", auth);

  app.get("/v1/quarantine", (c) => {
    const q = (name: string) => c.req.query(name);
    const filter = filterOf(q);
    const limit =
      intParam(q("limit"), "limit", { min: 1, max: QUARANTINE_MAX_LIMIT }) ??
      QUARANTINE_DEFAULT_LIMIT;
    const since = intParam(q("since"), "since", { min: 0 }) ?? 0;
    const after = Math.max(since, seqCursorParam(q("cursor")));
    const quarantine = engine.state.quarantine;
    const rows = quarantine.list(filter, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const body: QuarantinePage = {
      items: page.map(quarantineItem),
      next_cursor: rows.length > limit && last !== undefined ? String(last.seq) : null,
      total: quarantine.count(filter),
    };
    return c.json(body);
  });

  for (const decision of ["release", "reject"] as const) {
    app.post(`/v1/quarantine/:id/${decision}`, async (c) => {
      const id = hexParam(c.req.param("id"), "id");
      const status = decision === "release" ? "released" : "rejected";
      const row = await engine.setStatus(id, status);
      logger.info("quarantine review", { id: c.req.param("id"), status, seq: row.seq });
      return c.json(quarantineItem(row));
    });
  }

  return app;
}
