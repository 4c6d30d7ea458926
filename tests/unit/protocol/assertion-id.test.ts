/**
 * Ids (SPEC §2.2) and the signed-message layout. The BLAKE3 answers are the
 * official test vectors (BLAKE3-team/BLAKE3 test_vectors.json: input byte i is
 * i mod 251); the layout test fails if a byte of the message prefix changes.
 */
import { expect, test } from "bun:test";
import { toHex } from "../../../src/hex.ts";
import { ASSERTION_ID_BYTES, assertionId } from "../../../src/protocol/assertion-id.ts";
import { ASSERTION_DOMAIN, assertionMessage } from "../../../src/protocol/signed-bytes.ts";

const input = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);

test.each([
  [0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"],
  [1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"],
  [1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7"],
  [1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444"],
])("BLAKE3-256 of the official %i-byte input", (n, expected) => {
  const id = assertionId(input(n));
  expect(id).toHaveLength(ASSERTION_ID_BYTES);
  expect(toHex(id)).toBe(expected);
});

test("BLAKE3-256 of 'abc'", () => {
  expect(toHex(assertionId(new TextEncoder().encode("abc")))).toBe(
    "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
  );
});

test("the signed message is the 21-byte ASCII prefix 'stemedb:assertion:v1:' then the 32 id bytes", () => {
  // Spelled out byte by byte: changing the layout must break this test and the vectors.
  expect(toHex(ASSERTION_DOMAIN)).toBe("7374656d6564623a617373657274696f6e3a76313a");
  expect(ASSERTION_DOMAIN).toHaveLength(21);
  const id = assertionId(input(7));
  const m = assertionMessage(id);
  expect(m).toHaveLength(53);
  expect(toHex(m.subarray(0, 21))).toBe("7374656d6564623a617373657274696f6e3a76313a");
  expect(toHex(m.subarray(21))).toBe(toHex(id));
});

test("assertionMessage rejects an id that is not 32 bytes", () => {
  expect(() => assertionMessage(new Uint8Array(31))).toThrow(RangeError);
});
