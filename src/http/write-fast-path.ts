/**
 * `POST /v1/assert` without the writer's middleware chain (issue 17, SPEC
 * §9, §11): the HTTP thread that received and prepared a write
 * (./prepared-body.ts) does the chain's part of it itself — the request id
 * (`requestIdOf`), the client address (`clientIpOf`), the assert class's
 * per-IP bucket (`ClassLimiter`, in shared memory), the security headers, the
 * counts — and hands the writer's thread only the prepared write
 * (`PreparedWrite`: the documents as one transferable buffer, and what the
 * route and the guards read). The writer answers with its receipt or its
 * problem as JSON text (`WriteAnswer`, from the route's own
 * `preparedWriteAnswerer` and the one error mapper), and the Response is built
 * here with every header the chain would set: the same status, headers and
 * body bytes (tests/unit/http/write-fast-path.test.ts compares the two).
 *
 * Anything out of the common case goes to the chain untouched, before
 * anything is charged or counted: a `proof` parameter that does not parse
 * (the chain answers its 422), a refused rate-limit take (a refusal spends no
 * token, so the chain's own take refuses it alike and answers 429), and —
 * decided when it is built — every write while the access log is on.
 */
import { getQueryParam } from "hono/utils/url";
import { type BunServerLike, clientIpOf } from "./client-ip.ts";
import { countOk, countRequest, type OkCounter, okCounter } from "./http-metrics.ts";
import type { Metrics } from "./metrics.ts";
import { flagParam } from "./params.ts";
import type { PreparedBody } from "./prepared-body.ts";
import type { ClassLimiter } from "./rate-limit.ts";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-id.ts";
import { RECEIPT_CONTENT_TYPE } from "./routes/assert.ts";
import { addSecurityHeaders } from "./security-headers.ts";

export const ASSERT_PATH = "/v1/assert";

/** What the writer's thread is sent: a structured clone of primitives and one transferred buffer. */
export interface PreparedWrite {
  shape: PreparedBody["shape"];
  /** `encodePrepared` of the documents (transferred). */
  items: ArrayBuffer;
  /** `?proof=1`. */
  withProof: boolean;
  /** The client address as the chain determines it, for the guards. */
  ip: string;
  /** For a problem document and its log line. */
  requestId: string;
}

/** The writer's answer: a receipt, or a problem with the error mapper's headers. */
export interface WriteAnswer {
  status: number;
  /** JSON text. */
  body: string;
  /** A problem's headers (`toProblem`: content type, Retry-After, …); absent on a receipt. */
  headers?: Record<string, string>;
}

export interface WriteFastPathOptions {
  /** Hands a prepared write to the writer's thread; resolves with its answer, never rejects. */
  send: (write: PreparedWrite) => Promise<WriteAnswer>;
  /** The assert class's limiter, the one the chain's middleware takes from; none when off. */
  limiter: ClassLimiter | undefined;
  trustProxyHops: number;
  /** What the security-headers middleware sets on a response without its own (`securityHeaderList`). */
  securityHeaders: readonly (readonly [string, string])[];
  /** The `Keep-Alive` value every response carries, if any. */
  keepAlive?: string;
  metrics: Metrics;
}

/** The answer to a prepared write, or undefined when the chain must answer it. */
export type WriteFastPath = (
  request: Request,
  server: BunServerLike,
  prepared: PreparedBody,
  started: number,
) => Promise<Response> | undefined;

export function writeFastPath(options: WriteFastPathOptions): WriteFastPath {
  const { send, limiter, trustProxyHops, metrics, keepAlive, securityHeaders } = options;
  // Every header of a receipt but the request id and the RateLimit item, built once per shape.
  const receiptHeaders = (shape: PreparedBody["shape"]): Headers => {
    const headers = new Headers({ "content-type": RECEIPT_CONTENT_TYPE[shape] });
    if (limiter !== undefined) headers.set("RateLimit-Policy", limiter.policy);
    addSecurityHeaders(headers, securityHeaders, keepAlive);
    return headers;
  };
  const fixed = { single: receiptHeaders("single"), batch: receiptHeaders("batch") };
  const counted: Record<number, OkCounter> = {
    200: okCounter(metrics, ASSERT_PATH, "POST", "200"),
    201: okCounter(metrics, ASSERT_PATH, "POST", "201"),
  };

  /** The Response the chain would give `answer`. */
  const responseOf = (
    answer: WriteAnswer,
    shape: PreparedBody["shape"],
    id: string,
    item?: string,
  ) => {
    let headers: Headers;
    if (answer.headers === undefined) {
      headers = new Headers(fixed[shape]); // a copy: cheaper than building it from names
    } else {
      headers = new Headers(answer.headers);
      if (limiter !== undefined) headers.set("RateLimit-Policy", limiter.policy);
      addSecurityHeaders(headers, securityHeaders, keepAlive);
    }
    if (item !== undefined) headers.set("RateLimit", item);
    headers.set(REQUEST_ID_HEADER, id);
    return new Response(answer.body, { status: answer.status, headers });
  };

  return (request, server, prepared, started) => {
    let withProof: boolean;
    try {
      withProof = flagParam(getQueryParam(request.url, "proof") as string | undefined, "proof");
    } catch {
      return undefined;
    }
    const ip = clientIpOf(request, server, trustProxyHops);
    let item: string | undefined;
    if (limiter !== undefined) {
      const taken = limiter.take(ip);
      if (!taken.allowed) return undefined;
      item = limiter.item(taken);
    }
    const requestId = requestIdOf(request);
    const { shape, items } = prepared;
    return send({ shape, items, withProof, ip, requestId }).then((answer) => {
      const response = responseOf(answer, shape, requestId, item);
      const ok = counted[answer.status];
      if (ok !== undefined) countOk(metrics, ok, started);
      else countRequest(metrics, "POST", ASSERT_PATH, answer.status, started);
      return response;
    });
  };
}
