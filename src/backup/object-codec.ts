/**
 * The one byte layout of every backup and archive object (SPEC §7: compressed
 * with zstd, checksummed with BLAKE3 of the plain bytes). An object carries its
 * own checksum, so it can be verified wherever it is found, on any target:
 *
 *   offset  size  field
 *        0     8  magic "STMDBOB1" (format version 1 in the last byte)
 *        8    32  BLAKE3-256 of the plain (uncompressed) bytes
 *       40     8  plain length, u64 big-endian
 *       48     …  zstd data of the plain bytes: one frame, or several one after
 *                  another (RFC 8878 §3.1; object-stream.ts writes one per chunk
 *                  of a large object), decoding to the plain bytes concatenated
 *
 * The same BLAKE3 is also listed in the manifest that names the object (a
 * snapshot's metadata.json, an archive object's key), so a swapped object is
 * caught as well as a damaged one. Unknown versions fail closed.
 */
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import { blake3 } from "../protocol/blake3.ts";

const MAGIC = new TextEncoder().encode("STMDBOB1");
export const OBJECT_HEADER_BYTES = 48;

export interface EncodedObject {
  body: Uint8Array;
  /** BLAKE3-256 of the plain bytes, lowercase hex. */
  blake3: string;
  plainBytes: number;
}

/** The 48 header bytes of an object whose plain bytes have this BLAKE3 and length. */
export function objectHeader(digest: Uint8Array, plainBytes: number): Uint8Array {
  const header = new Uint8Array(OBJECT_HEADER_BYTES);
  header.set(MAGIC, 0);
  header.set(digest, 8);
  new DataView(header.buffer).setBigUint64(40, BigInt(plainBytes));
  return header;
}

export function encodeObject(plain: Uint8Array, level = 3): EncodedObject {
  const digest = blake3(plain);
  const packed = Bun.zstdCompressSync(plain, { level });
  const body = new Uint8Array(OBJECT_HEADER_BYTES + packed.length);
  body.set(objectHeader(digest, plain.length), 0);
  body.set(packed, OBJECT_HEADER_BYTES);
  return { body, blake3: toHex(digest), plainBytes: plain.length };
}

/**
 * Checks an object's header (at least its first 48 bytes): magic, version, and
 * the BLAKE3 against the manifest's when given. Throws `corrupt_backup`.
 */
export function checkHeader(
  key: string,
  body: Uint8Array,
  expected?: string,
): { blake3: string; plainBytes: number } {
  const bad = (why: string) =>
    new StemeError("corrupt_backup", `backup object ${key}: ${why}`, { object: key });
  if (body.length < OBJECT_HEADER_BYTES) throw bad(`too short (${body.length} bytes)`);
  for (let i = 0; i < 7; i++) if (body[i] !== MAGIC[i]) throw bad("not a StemeDB backup object");
  if (body[7] !== MAGIC[7])
    throw bad(`unknown object format version ${String.fromCharCode(body[7] ?? 0)}`);
  const stored = toHex(body.subarray(8, 40));
  if (expected !== undefined && stored !== expected) {
    throw bad(`checksum ${stored} differs from the manifest's ${expected}`);
  }
  const plainBytes = Number(new DataView(body.buffer, body.byteOffset).getBigUint64(40));
  return { blake3: stored, plainBytes };
}

/**
 * Decompresses and verifies an object. `key` names it in errors; `expected` is
 * the BLAKE3 the manifest lists, when there is one. Throws `corrupt_backup`.
 */
export function decodeObject(key: string, body: Uint8Array, expected?: string): Uint8Array {
  const bad = (why: string) =>
    new StemeError("corrupt_backup", `backup object ${key}: ${why}`, { object: key });
  const { blake3: stored, plainBytes: length } = checkHeader(key, body, expected);
  let plain: Uint8Array;
  try {
    plain = Bun.zstdDecompressSync(body.subarray(OBJECT_HEADER_BYTES));
  } catch (e) {
    throw new StemeError(
      "corrupt_backup",
      `backup object ${key}: zstd frame damaged`,
      { object: key },
      e,
    );
  }
  if (plain.length !== length)
    throw bad(`${plain.length} plain bytes where ${length} were recorded`);
  const actual = toHex(blake3(plain));
  if (actual !== stored) throw bad(`BLAKE3 ${actual} where ${stored} was recorded`);
  return plain;
}
