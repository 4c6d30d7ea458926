/**
 * BLAKE3-256 for ids and Merkle hashes (SPEC §2.2, §2.3) through hash-wasm's
 * WebAssembly build: Bun has no native BLAKE3, and on this machine the WASM
 * hasher runs ~1.0M hashes/s of a 300-byte `C` against ~0.28M/s for
 * @noble/hashes (which stays as the independent cross-check in tests). One
 * hasher is created at load (top-level await) and reused: calls are
 * synchronous and never interleave.
 */
import { createBLAKE3 } from "hash-wasm";

const hasher = await createBLAKE3();

/** BLAKE3 with the default 32-byte output. */
export function blake3(...parts: Uint8Array[]): Uint8Array {
  hasher.init();
  for (const part of parts) hasher.update(part);
  return hasher.digest("binary");
}

/** A BLAKE3 hasher of its own, for data that arrives across awaits (streamed backup objects). */
export async function blake3Stream(): Promise<{
  update(part: Uint8Array): void;
  digest(): Uint8Array;
}> {
  const own = await createBLAKE3();
  own.init();
  return { update: (part) => void own.update(part), digest: () => own.digest("binary") };
}
