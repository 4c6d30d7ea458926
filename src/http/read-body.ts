/**
 * Bounded request bodies (SPEC §3: a body over the limit is a 413). With a
 * valid `Content-Length` within the limit the body is read in one call (Bun
 * already refuses bytes past a declared length, and reading a stream chunk by
 * chunk cost ~10% of the CPU of a single-assertion POST); otherwise it is
 * streamed and counted, so a chunked client can never make the server buffer
 * more than `maxBytes` (+ one chunk) before it is cut off.
 */
import { StemeError } from "../errors.ts";

/**
 * Headroom over `maxBodyBytes` for Bun's own hard limit (`maxRequestBodySize`
 * of every thread's `Bun.serve`), so the app's check (a problem+json 413)
 * normally answers first; Bun's limit is the backstop.
 */
export const BODY_LIMIT_SLACK = 1024 * 1024;

function tooLarge(maxBytes: number): StemeError {
  return new StemeError(
    "body_too_large",
    `request body exceeds ${maxBytes} bytes; send smaller batches or raise STEMEDB_MAX_BODY_BYTES`,
    { limit: maxBytes },
  );
}

/**
 * Bun fails the body on broken framing (a bad chunk size) or a connection closed
 * mid-body: the client's fault, never a 500 (SPEC §3). Bun has usually answered 400 already.
 */
function unreadable(cause: unknown): never {
  throw new StemeError(
    "bad_json",
    "request body could not be read to its end (malformed chunked encoding, or the connection closed)",
    {},
    cause,
  );
}

/** Reads the whole body of `request`, or throws `body_too_large` once it passes `maxBytes`. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined;
  if (length !== undefined && length > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  if (length !== undefined) {
    const bytes = new Uint8Array(await request.arrayBuffer().catch(unreadable));
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
    return bytes;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(unreadable);
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
