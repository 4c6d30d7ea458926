/**
 * Requests a reader thread cannot answer (writes, admin, health, metrics,
 * anything unknown) travel to the main thread as plain data and run through
 * its app; the response travels back (SPEC §11). Nothing is decided on the
 * way: the main thread's middleware, limits and error mapper see the request
 * as if it had arrived there, with the reader's client address, so a client
 * cannot tell which thread its connection landed on. (A prepared write
 * usually travels alone instead: ./write-fast-path.ts.)
 *
 * Bodies: the reader reads at most `maxBytes` + one chunk, enough for the main
 * thread's own check to answer 413; a body that cannot be read (broken
 * chunked framing, connection closed) is forwarded as one that fails to read,
 * so the main thread answers it as it would have (400).
 */
import type { Logger } from "../logger.ts";
import type { BunServerLike } from "./client-ip.ts";
import { problemResponse } from "./error-mapper.ts";
import type { PreparedBody } from "./prepared-body.ts";

export interface ForwardedRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: ArrayBuffer | null;
  /** The body could not be read to its end at the reader. */
  bodyFailed: boolean;
  /** The socket peer the reader saw (`server.requestIP`). */
  ip: string;
  /** A write the reader prepared itself (./prepared-body.ts); `body` is then null. */
  prepared?: PreparedBody;
}

export interface ForwardedResponse {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer | null;
}

/** The app's `fetch`, as both threads hold it. */
export type AppFetch = (request: Request, env: BunServerLike) => Response | Promise<Response>;

const NO_BODY = new Set(["GET", "HEAD"]);

async function readCapped(request: Request, maxBytes: number): Promise<ArrayBuffer | null> {
  const declared = request.headers.get("content-length");
  const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined;
  if (length !== undefined && length > maxBytes) return null;
  if (request.body === null) return null;
  // A declared length within the limit is read in one call, as ./read-body.ts does
  // (Bun refuses bytes past it); only a chunked body is counted chunk by chunk.
  if (length !== undefined) return await request.arrayBuffer();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out.buffer;
}

/** A request's body as the reader forwards it (see `ForwardedRequest`). */
export type ForwardedBody = Pick<ForwardedRequest, "body" | "bodyFailed">;

/** Reader side: the body of `request`, read to at most `maxBytes` + one chunk. */
export async function forwardedBody(request: Request, maxBytes: number): Promise<ForwardedBody> {
  if (NO_BODY.has(request.method)) return { body: null, bodyFailed: false };
  try {
    return { body: await readCapped(request, maxBytes), bodyFailed: false };
  } catch {
    return { body: null, bodyFailed: true };
  }
}

/** Reader side: the request as data, with its body as `forwardedBody` read it. */
export function forwardedRequest(
  request: Request,
  ip: string,
  body: ForwardedBody,
): ForwardedRequest {
  return {
    method: request.method,
    url: request.url,
    headers: [...request.headers],
    body: body.body,
    bodyFailed: body.bodyFailed,
    ip,
  };
}

/** The path and query of an absolute URL string (`http://host/p?q` → `/p?q`). */
function targetOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  return start < 0 ? "/" : url.slice(start);
}

function failingBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      controller.error(new Error("the request body could not be read at the reader thread"));
    },
  });
}

/**
 * Main-thread side: runs a forwarded request through `fetch` (the main app)
 * and returns the response as data. Never rejects: a reader must never wait
 * for an answer that will not come (a failure here is a bug, answered 500).
 */
export async function answerForwarded(
  fetch: AppFetch,
  f: ForwardedRequest,
  logger: Logger,
): Promise<ForwardedResponse> {
  let response: Response;
  try {
    const body = f.bodyFailed ? failingBody() : f.body;
    const init = { method: f.method, headers: f.headers, body };
    let request: Request;
    try {
      request = new Request(f.url, init);
    } catch {
      // Bun builds a request's URL from its Host header, which may not parse back
      // (`Host: evil.example:99999`); the app reads only path and query.
      request = new Request(`http://host.invalid${targetOf(f.url)}`, init);
    }
    const address = { address: f.ip };
    const env = { requestIP: () => address, prepared: f.prepared };
    response = await fetch(request, env);
  } catch (e) {
    response = problemResponse(e, crypto.randomUUID(), logger);
  }
  const bytes = f.method === "HEAD" ? null : await response.arrayBuffer();
  return { status: response.status, headers: [...response.headers], body: bytes };
}

/** Reader side: the main thread's answer as a Response. */
export function forwardedResponse(f: ForwardedResponse): Response {
  return new Response(f.body, { status: f.status, headers: f.headers });
}
