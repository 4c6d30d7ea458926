/**
 * The invariants every answer to a hostile request must hold (SPEC §3, §6;
 * ops/docs/security.md "Hardening"), checked one exchange at a time, with the
 * figures the suite prints:
 *
 * - never a 5xx (none is expected at all here: no breaker, no readiness fault);
 * - an answer from the app carries `X-Request-Id` and the security headers,
 *   and every 4xx from it is problem+json with a `code`, a matching
 *   `request_id` and `status`; an answer from Bun.serve itself (no request id)
 *   is allowed only where the request was built to hit one of its limits;
 * - no stack trace, source path, data-dir path, admin token or file contents
 *   in any body;
 * - an assertion the server reports as recorded (accepted, quarantined or
 *   duplicate) is one the generator signed on purpose — anything else is a
 *   forgery or a malformed record that got in — and every intentionally valid
 *   assertion comes back recorded.
 */
import type { Exchange } from "./hostile-request.ts";

const STORED = new Set(["accepted", "quarantined", "duplicate"]);
const TRANSPORT_STATUSES = new Set([400, 408, 413, 414, 431]);
const LEAKS: readonly RegExp[] = [
  /\n\s+at \S/, // a stack frame
  /\bat \S+ \([^)]*:\d+:\d+\)/,
  /\.ts:\d+/,
  /node_modules/,
  /root:x:0:0/, // /etc/passwd contents
  /StemeError:|TypeError:|RangeError:|SQLiteError/,
];

export interface AuditOptions {
  /** Text that must never appear in a body: the repo path, the data dir, the admin token. */
  secrets: readonly string[];
  /** Ids of the assertions signed on purpose: the only ones that may be recorded. */
  validIds: ReadonlySet<string>;
}

interface ItemOutcome {
  id: string | null;
  status: string;
  error?: { code?: string };
}

function count<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

export class ResponseAudit {
  readonly #o: AuditOptions;
  tried = 0;
  fiveXx = 0;
  /** Answers written by Bun.serve itself (its parser and size limits), not by the app. */
  transportAnswers = 0;
  noResponse = 0;
  /** Labels of the requests that got no response at all (allowed only at transport limits). */
  readonly unanswered: string[] = [];
  /** Bun.serve's own non-4xx refusals of malformed HTTP (the 505s), listed for the figures. */
  readonly bunRefusals: string[] = [];
  readonly byStatus = new Map<number, number>();
  readonly byKind = new Map<string, number>();
  readonly recorded = new Set<string>();
  readonly failures: string[] = [];

  constructor(options: AuditOptions) {
    this.#o = options;
  }

  #fail(x: Exchange, why: string): void {
    const r = x.req;
    this.failures.push(
      `[${r.kind}] ${r.label} — ${r.method} ${r.path.slice(0, 160)} → ${x.status}: ${why}; body: ${x.text.slice(0, 300)}`,
    );
  }

  check(x: Exchange): void {
    const { req } = x;
    this.tried++;
    count(this.byStatus, x.status);
    count(this.byKind, req.kind);
    if (x.status === 0) {
      this.noResponse++;
      this.unanswered.push(req.label);
      if (!req.transportLimit) this.#fail(x, `no response (${x.error})`);
      return;
    }
    const fromBun = !x.headers.has("x-request-id");
    if (fromBun && x.status === req.transportStatus) {
      this.bunRefusals.push(`${req.label} → ${x.status}`);
    } else if (x.status >= 500) {
      this.fiveXx++;
      this.#fail(x, "5xx");
    }
    for (const secret of this.#o.secrets) {
      if (secret.length > 0 && x.text.includes(secret))
        this.#fail(x, "body leaks a server secret/path");
    }
    for (const re of LEAKS) if (re.test(x.text)) this.#fail(x, `body matches ${re}`);

    const requestId = x.headers.get("x-request-id");
    if (requestId === undefined) {
      this.transportAnswers++;
      if (!req.transportLimit)
        this.#fail(x, "answered by Bun.serve, not the app (no X-Request-Id)");
      if (!TRANSPORT_STATUSES.has(x.status) && x.status !== req.transportStatus) {
        this.#fail(x, "unexpected status from Bun.serve");
      }
      return;
    }
    if (x.headers.get("x-content-type-options") !== "nosniff") {
      this.#fail(x, "security headers missing");
    }
    let problem: Record<string, unknown> | undefined;
    if (x.status >= 400) {
      problem = this.#problem(x, requestId);
      if (problem === undefined) return;
    }
    if (req.expect !== undefined) {
      const statuses =
        typeof req.expect.status === "number" ? [req.expect.status] : req.expect.status;
      if (!statuses.includes(x.status)) this.#fail(x, `expected status ${statuses.join("|")}`);
      if (req.expect.code !== undefined && problem?.code !== req.expect.code) {
        this.#fail(x, `expected code ${req.expect.code}, got ${String(problem?.code)}`);
      }
      if (req.expect.field !== undefined && problem?.field !== req.expect.field) {
        this.#fail(x, `expected field ${req.expect.field}, got ${String(problem?.field)}`);
      }
    }
    if (req.method === "POST" && req.path.startsWith("/v1/assert") && x.status < 300) {
      this.#recorded(x);
    } else if (req.valid !== undefined && req.valid.length > 0) {
      this.#fail(x, "carried valid assertions but was not answered 2xx");
    }
  }

  #problem(x: Exchange, requestId: string): Record<string, unknown> | undefined {
    if (!x.headers.get("content-type")?.startsWith("application/problem+json")) {
      this.#fail(x, `4xx without problem+json (${x.headers.get("content-type")})`);
      return undefined;
    }
    if (x.req.method === "HEAD") return undefined; // the headers of the problem, no body
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(x.text) as Record<string, unknown>;
    } catch {
      this.#fail(x, "problem body is not JSON");
      return undefined;
    }
    if (typeof p.code !== "string" || p.code === "") this.#fail(x, "problem without a code");
    if (p.request_id !== requestId) this.#fail(x, "problem request_id differs from X-Request-Id");
    if (p.status !== x.status) this.#fail(x, "problem status differs from the HTTP status");
    if (p.type !== `urn:stemedb:problem:${String(p.code)}`) this.#fail(x, "problem type");
    if (typeof p.detail !== "string") this.#fail(x, "problem without a detail");
    return p;
  }

  #recorded(x: Exchange): void {
    let body: { id?: string; status?: string; results?: ItemOutcome[] };
    try {
      body = JSON.parse(x.text) as typeof body;
    } catch {
      if (x.req.method !== "HEAD") this.#fail(x, "2xx body is not JSON");
      return;
    }
    const items: ItemOutcome[] = body.results ?? [
      { id: body.id ?? null, status: String(body.status) },
    ];
    const expected = x.req.items;
    if (expected !== undefined && expected.length !== items.length) {
      this.#fail(x, `expected ${expected.length} item result(s), got ${items.length}`);
    }
    const seen = new Set<string>();
    for (const [i, item] of items.entries()) {
      const want = expected?.[i];
      if (item.status === "rejected") {
        if (want !== undefined && want !== item.error?.code) {
          this.#fail(x, `item ${i}: expected ${want}, got rejected ${item.error?.code}`);
        }
        continue;
      }
      if (want !== undefined && want !== "recorded") {
        this.#fail(x, `item ${i}: expected rejection ${want}, got ${item.status}`);
      }
      if (!STORED.has(item.status) || item.id === null) {
        this.#fail(x, `item with status ${item.status}`);
        continue;
      }
      if (!this.#o.validIds.has(item.id)) {
        this.#fail(x, `recorded ${item.id}, which was never signed as a valid assertion`);
      }
      seen.add(item.id);
      this.recorded.add(item.id);
    }
    for (const id of x.req.valid ?? []) {
      if (!seen.has(id)) this.#fail(x, `valid assertion ${id} was not recorded`);
    }
  }

  /** `status → count`, sorted, for the printed figures. */
  statusTable(): string {
    return [...this.byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s === 0 ? "no-response" : s}: ${n}`)
      .join(", ");
  }
}
