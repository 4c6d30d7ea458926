/**
 * The tree hashes of SPEC §2.3 / RFC 6962 §2.1 against one-shot BLAKE3 over the
 * prefixed bytes, plus the official BLAKE3 vector for the empty input
 * (github.com/BLAKE3-team/BLAKE3, test_vectors/test_vectors.json, input_len 0).
 */
import { describe, expect, test } from "bun:test";
import { blake3 } from "@noble/hashes/blake3.js";
import { toHex } from "../../../src/hex.ts";
import { EMPTY_ROOT, hashEquals, leafHash, nodeHash } from "../../../src/merkle/hash.ts";

const bytes = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe("tree hashes", () => {
  test("empty root is BLAKE3 of the empty string", () => {
    expect(toHex(EMPTY_ROOT)).toBe(
      "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    );
  });

  test("leafHash = BLAKE3(0x00 ‖ id), for 32-byte ids and other lengths", () => {
    for (const len of [32, 0, 1, 31, 33, 64, 100]) {
      const id = bytes(len, len);
      expect(toHex(leafHash(id))).toBe(toHex(blake3(Uint8Array.of(0x00, ...id))));
    }
  });

  test("nodeHash = BLAKE3(0x01 ‖ left ‖ right)", () => {
    const l = bytes(32, 1);
    const r = bytes(32, 2);
    expect(toHex(nodeHash(l, r))).toBe(toHex(blake3(Uint8Array.of(0x01, ...l, ...r))));
    expect(toHex(nodeHash(r, l))).not.toBe(toHex(nodeHash(l, r)));
    const odd = bytes(5, 3);
    expect(toHex(nodeHash(odd, r))).toBe(toHex(blake3(Uint8Array.of(0x01, ...odd, ...r))));
  });

  test("results are fresh arrays, unaffected by later calls or by mutating inputs", () => {
    const id = bytes(32, 9);
    const a = leafHash(id);
    const copy = toHex(a);
    const b = leafHash(bytes(32, 10));
    nodeHash(a, b);
    id.fill(0);
    expect(toHex(a)).toBe(copy);
    expect(a).not.toBe(leafHash(bytes(32, 9)));
  });

  test("a leaf never equals a node over the same bytes (domain separation)", () => {
    const l = bytes(32, 4);
    const r = bytes(32, 5);
    const joined = Uint8Array.of(...l, ...r);
    expect(hashEquals(leafHash(joined), nodeHash(l, r))).toBe(false);
  });

  test("hashEquals", () => {
    expect(hashEquals(bytes(32, 1), bytes(32, 1))).toBe(true);
    expect(hashEquals(bytes(32, 1), bytes(32, 2))).toBe(false);
    expect(hashEquals(bytes(32, 1), bytes(31, 1))).toBe(false);
  });
});
