/**
 * RFC 8785 parity of `canonicalString` / `canonicalBytes` (SPEC §2.2): number
 * serialization (§3.2.2.3, including the RFC's Appendix B samples), string
 * escaping (§3.2.2.2), member order by UTF-16 code units (§3.2.3), UTF-8 output
 * (§3.2.4), and the server's field-by-field assembly of C against the generic one.
 */
import { describe, expect, test } from "bun:test";
import { isStemeError } from "../../../src/errors.ts";
import type { UnsignedAssertion } from "../../../src/protocol/assertion.ts";
import { assertionCanonicalString } from "../../../src/protocol/assertion-canonical.ts";
import { canonicalBytes, canonicalString, utf8Length } from "../../../src/protocol/canonical.ts";

describe("numbers (RFC 8785 §3.2.2.3)", () => {
  // [input as sent, canonical] from RFC 8785 Appendix B and the ECMAScript Number::toString rules.
  const cases: [string, string][] = [
    ["0", "0"],
    ["-0", "0"],
    ["1e21", "1e+21"],
    ["1E30", "1e+30"],
    ["1e20", "100000000000000000000"],
    ["123456789012345680000", "123456789012345680000"],
    ["0.1", "0.1"],
    ["4.50", "4.5"],
    ["2e-3", "0.002"],
    ["1e-7", "1e-7"],
    ["0.000001", "0.000001"],
    ["5e-324", "5e-324"],
    ["1.7976931348623157e308", "1.7976931348623157e+308"],
    ["333333333.33333329", "333333333.3333333"],
    ["0.000000000000000000000000001", "1e-27"],
    ["9007199254740993", "9007199254740992"],
    ["-1.5", "-1.5"],
    ["295147905179352830000", "295147905179352830000"],
  ];
  test.each(cases)("%s → %s", (input, expected) => {
    expect(canonicalString(JSON.parse(input))).toBe(expected);
  });

  test("NaN and Infinity cannot be canonicalized", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => canonicalString(bad)).toThrow();
      try {
        canonicalString([bad]);
      } catch (e) {
        expect(isStemeError(e, "invalid_field")).toBe(true);
      }
    }
  });
});

describe("strings (RFC 8785 §3.2.2.2)", () => {
  test("only quote, backslash and C0 controls are escaped; short forms where JSON has them", () => {
    expect(canonicalString('\u0000\u0001\u001f\b\t\n\f\r"\\')).toBe(
      '"\\u0000\\u0001\\u001f\\b\\t\\n\\f\\r\\"\\\\"',
    );
  });
  test("U+007F, U+2028, U+2029, non-ASCII, emoji and '/' stay literal", () => {
    const s = "\u007f\u2028\u2029é€😀/";
    expect(canonicalString(s)).toBe(`"${s}"`);
  });
  test("escaped input is written literally", () => {
    expect(canonicalString(JSON.parse('"caf\\u00e9 \\/ \\ud83d\\ude00"'))).toBe('"café / 😀"');
  });
  test("a lone surrogate cannot be canonicalized", () => {
    expect(() => canonicalString("\ud800")).toThrow();
    expect(() => canonicalString({ "\udc00": 1 })).toThrow();
  });
});

describe("objects (RFC 8785 §3.2.3)", () => {
  test("members sorted at every depth, no whitespace", () => {
    expect(canonicalString({ b: 1, a: { d: [1, "x", null], c: true } })).toBe(
      '{"a":{"c":true,"d":[1,"x",null]},"b":1}',
    );
  });
  test("sorted by UTF-16 code units: the RFC 8785 §3.2.3 example", () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    );
    expect(canonicalString(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });
  test("a shorter name sorts before its extensions; empty name first", () => {
    expect(canonicalString({ value: 1, v: 2, "": 3, va: 4 })).toBe('{"":3,"v":2,"va":4,"value":1}');
  });
  test("undefined members are absent, as in JSON", () => {
    expect(canonicalString({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});

test("canonicalBytes is the UTF-8 encoding (RFC 8785 §3.2.4)", () => {
  const bytes = canonicalBytes({ s: "é😀" });
  expect(Buffer.from(bytes).toString("hex")).toBe(
    Buffer.from('{"s":"é😀"}', "utf8").toString("hex"),
  );
  expect(utf8Length('{"s":"é😀"}')).toBe(bytes.length);
});

test("undefined at the top level is not JSON", () => {
  expect(() => canonicalString(undefined)).toThrow();
});

describe("the server's assembly of C equals the generic canonicalizer", () => {
  const agent = "ab".repeat(32);
  const base: UnsignedAssertion = {
    v: 1,
    concept: "acme/x",
    predicate: "p",
    value: { z: [1e21, -0, "\u2028"], a: null },
    ts: 1_732_700_000_000,
    agent,
  };
  const variants: [string, UnsignedAssertion][] = [
    ["required fields only", base],
    ["with confidence", { ...base, confidence: 0.5 }],
    ["with evidence", { ...base, evidence: ["é", "\n", "😀"] }],
    ["with retracts", { ...base, value: null, retracts: "cd".repeat(32) }],
    [
      "everything",
      { ...base, confidence: 1, evidence: ["x"], retracts: "ef".repeat(32), value: [] },
    ],
  ];
  test.each(variants)("%s", (_name, a) => {
    expect(assertionCanonicalString(a, canonicalString(a.value))).toBe(canonicalString(a));
  });
});
