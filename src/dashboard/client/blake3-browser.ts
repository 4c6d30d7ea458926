/**
 * src/protocol/blake3.ts for the browser bundle (swapped in by
 * ../client-bundle.ts): the same `blake3(...parts)` on @noble/hashes, plain
 * JavaScript, so the dashboard needs no WebAssembly and its CSP no
 * `'wasm-unsafe-eval'`. The browser hashes a few dozen nodes per proof, so
 * the WASM hasher's speed does not matter here; both implement BLAKE3-256 and
 * the repo's tests cross-check them.
 */
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";

/** BLAKE3 with the default 32-byte output, over the concatenation of `parts`. */
export function blake3(...parts: Uint8Array[]): Uint8Array {
  const h = nobleBlake3.create();
  for (const part of parts) h.update(part);
  return h.digest();
}
