/**
 * Hostile admin traffic: malformed and wrong bearer tokens (every one must be
 * a 401 with `WWW-Authenticate`, never a 5xx), and — with the right token —
 * absurd registry pages, keys, PUT bodies, quarantine filters, and
 * release/reject of ids that are unknown, malformed or not awaiting review.
 * PUTs only touch fresh random keys, never an agent the suite writes with.
 */
import { type GenContext, JSON_TYPE } from "./assert-requests.ts";
import type { HostileRequest } from "./hostile-request.ts";
import { ID_SEGMENTS, JSON_VALUES } from "./hostile-values.ts";
import { LONG_URL, randomQuery } from "./read-requests.ts";

function badAuthHeaders(token: string): (Record<string, string> | undefined)[] {
  return [
    undefined,
    { authorization: "" },
    { authorization: "Bearer" },
    { authorization: "Bearer " },
    { authorization: `Bearer ${token}x` },
    { authorization: `Bearer ${token.slice(0, -1)}` },
    { authorization: `Bearer ${token.toUpperCase()}` },
    { authorization: `Bearer ${token} extra` },
    { authorization: `Bearer\t${token}` },
    { authorization: `Bearer Bearer ${token}` },
    { authorization: `Basic ${Buffer.from(`admin:${token}`).toString("base64")}` },
    { authorization: token },
    { authorization: `Bearer ${"x".repeat(8_000)}` },
    { authorization: `Bearer ${"\u00ff".repeat(64)}` },
    { "x-admin-token": token },
  ];
}

export function adminRequests(
  ctx: GenContext,
  token: string,
  knownIds: readonly string[],
  n: number,
): HostileRequest[] {
  const { rng } = ctx;
  const auth = { authorization: `Bearer ${token}` };
  const out: HostileRequest[] = [];
  const routes = [
    "/v1/agents",
    `/v1/agents/${"ab".repeat(32)}`,
    "/v1/quarantine",
    `/v1/quarantine/${"ab".repeat(32)}/release`,
  ];
  for (const headers of badAuthHeaders(token)) {
    for (const path of routes) {
      const method = path.endsWith("release") ? "POST" : "GET";
      out.push({
        kind: "admin-auth",
        label: `bad admin auth ${JSON.stringify(headers ?? {}).slice(0, 60)}`,
        method,
        path,
        ...(headers === undefined ? {} : { headers }),
        expect: { status: 401, code: "unauthorized" },
      });
    }
  }
  const ids = [...ID_SEGMENTS, ...knownIds.slice(0, 30)];
  const freshKey = () => rng.string(64, "0123456789abcdef");
  const routesWithToken: (() => HostileRequest)[] = [
    () => ({
      kind: "admin",
      label: "list agents",
      method: "GET",
      path: `/v1/agents${randomQuery(rng, ["limit", "cursor"], 3)}`,
      headers: auth,
    }),
    () => ({
      kind: "admin",
      label: "get agent",
      method: "GET",
      path: `/v1/agents/${rng.pick(ids)}`,
      headers: auth,
    }),
    () => {
      const body: Record<string, unknown> = {};
      for (let k = rng.int(0, 4); k > 0; k--)
        body[rng.pick(["name", "trust", "allowed", "agent", "x", "__proto__"])] =
          rng.pick(JSON_VALUES);
      return {
        kind: "admin",
        label: "put agent",
        method: "PUT",
        path: `/v1/agents/${rng.chance(0.8) ? freshKey() : rng.pick(ID_SEGMENTS)}`,
        headers: { ...auth, ...(rng.chance(0.9) ? JSON_TYPE : { "content-type": "text/plain" }) },
        body: rng.chance(0.9)
          ? JSON.stringify(body)
          : rng.pick(["", "[]", "null", "{", '{"name":"\\ud800"}', '{"trust":1e309}']),
      };
    },
    () => ({
      kind: "admin",
      label: "list quarantine",
      method: "GET",
      path: `/v1/quarantine${randomQuery(rng, ["status", "agent", "reason", "concept", "since", "cursor", "limit"])}`,
      headers: auth,
    }),
    () => ({
      kind: "admin",
      label: "review",
      method: "POST",
      path: `/v1/quarantine/${rng.pick(ids)}/${rng.pick(["release", "reject", "approve", "", "release/x"])}`,
      headers: auth,
    }),
  ];
  for (let i = 0; i < n; i++) {
    const r = rng.pick(routesWithToken)();
    out.push(r.path.length > LONG_URL ? { ...r, transportLimit: true } : r);
  }
  for (const status of [
    "quarantined",
    "released",
    "rejected",
    "all",
    "ALL",
    "",
    "__proto__",
    "toString",
  ]) {
    out.push({
      kind: "admin",
      label: "quarantine status filter",
      method: "GET",
      path: `/v1/quarantine?status=${status}`,
      headers: auth,
    });
  }
  return out;
}
