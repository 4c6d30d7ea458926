/**
 * One generated hostile request and how it is sent to a real server: through
 * `fetch` (Bun's), or — for what fetch will not send (literal `../` in the
 * path, malformed request lines, conflicting framing headers) — as raw bytes
 * over a TCP socket, so Bun.serve's own parser and limits answer. A raw
 * exchange ends when one complete response has been read (Content-Length or
 * chunked framing) or the server closes: no timers decide it.
 */

export interface HostileRequest {
  /** Category for the figures: `schema`, `query`, `method`, … */
  kind: string;
  /** Human description, printed with any failure. */
  label: string;
  method: string;
  /** Path and query string, appended verbatim to the server URL. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Stream `body` (bytes) in chunks of this size: Transfer-Encoding chunked. */
  streamChunk?: number;
  /** Send these bytes over a raw socket instead of using fetch. */
  raw?: Uint8Array;
  /** When given, the exact status (or one of them) and problem `code` expected. */
  expect?: { status: number | readonly number[]; code?: string; field?: string };
  /**
   * Bun.serve itself may answer (400/413/414/431, no problem+json): huge headers
   * or URLs, bodies beyond its hard limit, bytes its HTTP parser refuses.
   */
  transportLimit?: boolean;
  /** A further status Bun.serve may answer with here (505 to unsplittable request lines). */
  transportStatus?: number;
  /** Ids of intentionally valid assertions this request carries: they must be recorded. */
  valid?: readonly string[];
  /** For a batch or NDJSON: per item, `"recorded"` or the error code it must be rejected with. */
  items?: readonly string[];
}

export interface Exchange {
  req: HostileRequest;
  /** 0 when no response arrived (connection closed or refused by the client). */
  status: number;
  headers: Map<string, string>;
  text: string;
  /** Why no response arrived, if none did. */
  error?: string;
}

function headerMap(h: Headers): Map<string, string> {
  const m = new Map<string, string>();
  h.forEach((v, k) => {
    m.set(k.toLowerCase(), v);
  });
  return m;
}

function chunked(body: string | Uint8Array, size: number): ReadableStream<Uint8Array> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

export async function sendFetch(base: string, req: HostileRequest): Promise<Exchange> {
  try {
    const init: RequestInit = { method: req.method, redirect: "manual" };
    if (req.headers !== undefined) init.headers = req.headers;
    if (req.body !== undefined) {
      init.body = req.streamChunk === undefined ? req.body : chunked(req.body, req.streamChunk);
    }
    const res = await fetch(base + req.path, init);
    const text = await res.text();
    return { req, status: res.status, headers: headerMap(res.headers), text };
  } catch (e) {
    return { req, status: 0, headers: new Map(), text: "", error: String(e) };
  }
}

/** Parses one HTTP/1.x response from `buf`, or undefined while it is incomplete. */
function parseResponse(
  buf: Buffer,
  closed: boolean,
): { status: number; headers: Map<string, string>; text: string } | undefined {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const head = buf.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? "")?.[1] ?? 0);
  const headers = new Map<string, string>();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const rest = buf.subarray(end + 4);
  const length = headers.get("content-length");
  if (length !== undefined) {
    const n = Number(length);
    if (rest.length < n && !closed) return undefined;
    return { status, headers, text: rest.subarray(0, n).toString("utf8") };
  }
  if (headers.get("transfer-encoding")?.includes("chunked")) {
    let at = 0;
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf("\r\n", at);
      if (lineEnd < 0) return closed ? { status, headers, text: "" } : undefined;
      const size = Number.parseInt(rest.subarray(at, lineEnd).toString("latin1"), 16);
      if (size === 0) return { status, headers, text: Buffer.concat(parts).toString("utf8") };
      if (rest.length < lineEnd + 2 + size + 2)
        return closed ? { status, headers, text: "" } : undefined;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  // No framing: the body runs until the server closes.
  return closed ? { status, headers, text: rest.toString("utf8") } : undefined;
}

export function sendRaw(port: number, req: HostileRequest): Promise<Exchange> {
  const bytes = req.raw as Uint8Array;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (closed: boolean, error?: string) => {
      if (settled) return true;
      const parsed = parseResponse(Buffer.concat(chunks), closed);
      if (parsed === undefined && !closed) return false;
      settled = true;
      resolve(
        parsed === undefined
          ? {
              req,
              status: 0,
              headers: new Map(),
              text: "",
              error: error ?? "closed without a response",
            }
          : { req, ...parsed },
      );
      return true;
    };
    let pending = bytes;
    const write = (socket: { write(b: Uint8Array): number }) => {
      if (pending.length > 0) pending = pending.subarray(Math.max(0, socket.write(pending)));
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: write,
        drain: write, // a large request goes out in several writes
        data(socket, data) {
          chunks.push(Buffer.from(data));
          if (settle(false)) socket.end();
        },
        close() {
          settle(true);
        },
        error(_socket, e) {
          settle(true, String(e));
        },
        connectError(_socket, e) {
          settle(true, String(e));
        },
      },
    }).catch((e) => settle(true, String(e)));
  });
}

/** Builds raw request bytes from lines (joined with CRLF) and an optional body. */
export function rawHttp(lines: readonly string[], body: string | Uint8Array = ""): Uint8Array {
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  const tail = typeof body === "string" ? Buffer.from(body, "latin1") : Buffer.from(body);
  return new Uint8Array(Buffer.concat([head, tail]));
}
