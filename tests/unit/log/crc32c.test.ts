import { describe, expect, test } from "bun:test";
import { crc32c as awsCrc32c } from "@aws-crypto/crc32c";
import { crc32c } from "../../../src/log/crc32c.ts";

describe("crc32c", () => {
  // RFC 3720 §B.4 (iSCSI) test vectors, plus the common "123456789" check value.
  test("matches the RFC 3720 vectors", () => {
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
    const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(ascending)).toBe(0x46dd794e);
    expect(crc32c(descending)).toBe(0x113fdb5c);
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  test("agrees with @aws-crypto/crc32c on every length and alignment", () => {
    const data = new Uint8Array(4096);
    let x = 0x12345678;
    for (let i = 0; i < data.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      data[i] = x >>> 24;
    }
    for (let start = 0; start < 9; start++) {
      for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4000]) {
        const end = start + length;
        expect(crc32c(data, start, end)).toBe(awsCrc32c(data.subarray(start, end)));
      }
    }
  });
});
