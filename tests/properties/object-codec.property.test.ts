/**
 * Property tests (fast-check) of the backup object codec (SPEC §7: objects
 * are compressed and checksummed, a partial or damaged one is never taken for
 * a complete one): any bytes round-trip; any truncation or foreign body is
 * refused with corrupt_backup; a bit flip is refused or, where zstd ignores the
 * byte, decodes to the very same bytes — never wrong bytes, never another error.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { decodeObject, encodeObject, OBJECT_HEADER_BYTES } from "../../src/backup/object-codec.ts";
import { StemeError } from "../../src/errors.ts";

const RUNS = Number(process.env.STEMEDB_PROPERTY_RUNS ?? 300);

function refused(body: Uint8Array, expected?: string) {
  try {
    decodeObject("k", body, expected);
  } catch (e) {
    expect(e).toBeInstanceOf(StemeError);
    expect((e as StemeError).code).toBe("corrupt_backup");
    return;
  }
  throw new Error("a damaged object decoded");
}

test("any bytes round-trip, and the manifest digest matches", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 4000 }),
      fc.integer({ min: 1, max: 5 }),
      (plain, level) => {
        const o = encodeObject(plain, level);
        expect(Buffer.compare(decodeObject("k", o.body, o.blake3), plain)).toBe(0);
        expect(o.plainBytes).toBe(plain.length);
      },
    ),
    { numRuns: RUNS },
  );
});

test("a truncated object is refused with corrupt_backup", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.nat(), (plain, at) => {
      const { body, blake3 } = encodeObject(plain);
      refused(body.slice(0, at % body.length), blake3);
    }),
    { numRuns: RUNS },
  );
});

test("a bit flip is refused with corrupt_backup, or changes nothing the BLAKE3 of the plain bytes would see", () => {
  // Some bytes of a zstd frame do not shape its output (an unused weight of an
  // entropy table, a window larger than needed): a flip there still decodes to
  // the same plain bytes, which the header's BLAKE3 then proves. What must
  // never happen is other bytes, or another error.
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 2000 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (plain, at, xor) => {
        const { body, blake3 } = encodeObject(plain);
        const damaged = body.slice();
        const i = at % damaged.length;
        damaged[i] = (damaged[i] as number) ^ xor;
        // A flip inside the header (magic, digest, length) is always refused.
        if (i < OBJECT_HEADER_BYTES) return refused(damaged, blake3);
        let decoded: Uint8Array;
        try {
          decoded = decodeObject("k", damaged, blake3);
        } catch (e) {
          expect(e).toBeInstanceOf(StemeError);
          expect((e as StemeError).code).toBe("corrupt_backup");
          return;
        }
        expect(Buffer.compare(decoded, plain)).toBe(0);
      },
    ),
    { numRuns: RUNS },
  );
});

test("any foreign body is refused with corrupt_backup", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (body) => refused(body)),
    { numRuns: RUNS },
  );
});
