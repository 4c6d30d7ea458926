/**
 * Bounded request bodies (SPEC §3: a body over the limit is a 413). The limit is
 * enforced twice: up front from `Content-Length`, and while streaming, so a
 * chunked or lying client can never make the server buffer more than
 * `maxBytes` (+ one chunk) before it is cut off.
 */
import { StemeError } from "../errors.ts";

function tooLarge(maxBytes: number): StemeError {
  return new StemeError(
    "body_too_large",
    `request body exceeds ${maxBytes} bytes; send smaller batches or raise STEMEDB_MAX_BODY_BYTES`,
    { limit: maxBytes },
  );
}

/** Reads the whole body of `request`, or throws `body_too_large` once it passes `maxBytes`. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    throw tooLarge(maxBytes);
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch((cause: unknown) => {
      // Bun fails the stream on broken framing (a bad chunk size) or a connection closed mid-body:
      // the client's fault, never a 500 (SPEC §3). Bun has usually answered 400 already.
      throw new StemeError(
        "bad_json",
        "request body could not be read to its end (malformed chunked encoding, or the connection closed)",
        {},
        cause,
      );
    });
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
