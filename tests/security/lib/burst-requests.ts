/**
 * A burst fired all at once (SPEC §9 honest load is 64 connections; this is
 * hundreds): honest single writes, forged writes (another assertion's sig),
 * queries in every lens and match kind, reads, health and metrics. Honest
 * writes must all be recorded, forged ones none, and nothing may be a 5xx.
 */
import { type GenContext, JSON_TYPE } from "./assert-requests.ts";
import type { HostileRequest } from "./hostile-request.ts";

export function burstRequests(ctx: GenContext, n: number): HostileRequest[] {
  const { rng } = ctx;
  const out: HostileRequest[] = [];
  for (let i = 0; i < n; i++) {
    const roll = i % 10;
    if (roll < 3) {
      const d = ctx.pool.next();
      out.push({
        kind: "burst",
        label: "honest write",
        method: "POST",
        path: "/v1/assert",
        headers: JSON_TYPE,
        body: d.text,
        expect: { status: [200, 201] },
        valid: [d.id],
      });
    } else if (roll < 5) {
      const a = ctx.pool.next();
      const b = ctx.pool.next();
      out.push({
        kind: "burst",
        label: "forged write (sig of another assertion)",
        method: "POST",
        path: "/v1/assert",
        headers: JSON_TYPE,
        body: JSON.stringify({ ...a.doc, sig: b.doc.sig }),
        expect: { status: 422, code: "bad_signature", field: "sig" },
      });
    } else if (roll < 8) {
      const lens = rng.pick(["latest", "consensus", "trust", "all"]);
      const match = rng.pick(["exact", "prefix", "tail"]);
      const concept =
        match === "tail"
          ? "checkout"
          : match === "prefix"
            ? "sec/valid"
            : `sec/valid/k${rng.int(0, 40)}/checkout`;
      out.push({
        kind: "burst",
        label: "query",
        method: "GET",
        path: `/v1/query?concept=${concept}&match=${match}&lens=${lens}&limit=50`,
        expect: { status: 200 },
      });
    } else if (roll === 8) {
      out.push({
        kind: "burst",
        label: "health",
        method: "GET",
        path: rng.pick([
          "/v1/health",
          "/v1/health/live",
          "/v1/health/ready",
          "/metrics",
          "/v1/merkle/root",
        ]),
        expect: { status: 200 },
      });
    } else {
      out.push({
        kind: "burst",
        label: "consistency",
        method: "GET",
        path: "/v1/proof/consistency?from=0&to=0",
        expect: { status: 200 },
      });
    }
  }
  return out;
}
