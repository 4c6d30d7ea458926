/**
 * Property tests (fast-check) of the backup object codec (SPEC §7: objects
 * are compressed and checksummed, a partial or damaged one is never taken for
 * a complete one): any bytes round-trip; any truncation, bit flip or foreign
 * body is refused with corrupt_backup — never wrong bytes, never another error.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { decodeObject, encodeObject } from "../../src/backup/object-codec.ts";
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

test("a truncated or bit-flipped object is refused with corrupt_backup", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 2000 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      fc.boolean(),
      (plain, at, xor, cut) => {
        const { body, blake3 } = encodeObject(plain);
        const damaged = cut ? body.slice(0, at % body.length) : body.slice();
        if (!cut) {
          const i = at % damaged.length;
          damaged[i] = (damaged[i] as number) ^ xor;
        }
        // A flip inside the header's digest is caught against the manifest's.
        refused(damaged, blake3);
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
