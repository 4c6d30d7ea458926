/**
 * Prepared submissions as bytes (SPEC §11): how the thread that validated and
 * verified a submission (an HTTP thread, a prepare worker) hands it to the
 * writer — one transferable ArrayBuffer, not a structured clone of objects.
 * Per document, what the writer needs and nothing it can cheaply derive: the
 * id, the signature and C (the canonical bytes, exactly as hashed and signed).
 * The writer parses C back into the assertion (C is RFC 8785 JSON of every
 * member but `sig`) and slices the value's canonical text out of it.
 *
 * Layout, big-endian: u8 version=1 | u32 count | per document either
 *   u8 1 | id[32] | sig[64] | u32 length | C
 *   u8 0 | u32 length | UTF-8 JSON {code, message, context}  (it failed: the error)
 * An unknown version is refused (`bad_format_version`).
 */
import { type ErrorCode, type ErrorContext, StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import type { Assertion, PreparedAssertion } from "../protocol/assertion.ts";
import { valueCanonicalFromC } from "../protocol/canonical-value.ts";

export type Prepared = { ok: true; prepared: PreparedAssertion } | { ok: false; error: StemeError };

const VERSION = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodePrepared(items: readonly Prepared[]): ArrayBuffer {
  const errors = items.map((p) =>
    p.ok
      ? undefined
      : encoder.encode(
          JSON.stringify({
            code: p.error.code,
            message: p.error.message,
            context: p.error.context,
          }),
        ),
  );
  let size = 5;
  for (const [i, p] of items.entries()) {
    size += p.ok ? 1 + 32 + 64 + 4 + p.prepared.canonical.length : 5 + (errors[i]?.length ?? 0);
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = VERSION;
  view.setUint32(1, items.length);
  let at = 5;
  for (const [i, p] of items.entries()) {
    if (p.ok) {
      const { id, sig, canonical } = p.prepared;
      out[at] = 1;
      out.set(id, at + 1);
      out.set(sig, at + 33);
      view.setUint32(at + 97, canonical.length);
      out.set(canonical, at + 101);
      at += 101 + canonical.length;
    } else {
      const bytes = errors[i] as Uint8Array;
      out[at] = 0;
      view.setUint32(at + 1, bytes.length);
      out.set(bytes, at + 5);
      at += 5 + bytes.length;
    }
  }
  return out.buffer;
}

export function decodePrepared(buffer: ArrayBuffer): Prepared[] {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  if (bytes.length < 5 || bytes[0] !== VERSION) {
    throw new StemeError(
      "bad_format_version",
      `prepared submission version ${bytes[0]} is unknown`,
    );
  }
  const count = view.getUint32(1);
  const out: Prepared[] = new Array(count);
  let at = 5;
  for (let i = 0; i < count; i++) {
    if (bytes[at] === 1) {
      const id = bytes.slice(at + 1, at + 33);
      const sig = bytes.slice(at + 33, at + 97);
      const length = view.getUint32(at + 97);
      const canonical = bytes.slice(at + 101, at + 101 + length);
      at += 101 + length;
      const c = decoder.decode(canonical);
      const assertion = JSON.parse(c) as Assertion;
      assertion.sig = toHex(sig);
      const valueCanonical = valueCanonicalFromC(c);
      out[i] = {
        ok: true,
        prepared: { assertion, canonical, id, idHex: toHex(id), sig, valueCanonical },
      };
    } else {
      const length = view.getUint32(at + 1);
      const e = JSON.parse(decoder.decode(bytes.subarray(at + 5, at + 5 + length))) as {
        code: ErrorCode;
        message: string;
        context: ErrorContext;
      };
      at += 5 + length;
      out[i] = { ok: false, error: new StemeError(e.code, e.message, e.context) };
    }
  }
  return out;
}
