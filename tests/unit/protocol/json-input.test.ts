/**
 * The I-JSON gate (RFC 7493, SPEC §2.2): syntax errors are `bad_json`, lone
 * surrogates anywhere are `bad_unicode` with the path to them, non-JSON data
 * and excessive nesting are `invalid_field`, duplicate member names resolve to
 * the last one.
 */
import { describe, expect, test } from "bun:test";
import { type ErrorCode, isStemeError } from "../../../src/errors.ts";
import {
  assertIJson,
  formatFieldPath,
  MAX_JSON_DEPTH,
  parseJsonText,
} from "../../../src/protocol/json-input.ts";

function failure(f: () => unknown): { code: ErrorCode; field: string | null } {
  try {
    f();
  } catch (e) {
    if (!isStemeError(e)) throw e;
    return { code: e.code, field: e.field ?? null };
  }
  throw new Error("expected a StemeError");
}

describe("parseJsonText", () => {
  test.each(["", "{", '{"a":1,}', "[1 2]", "{'a':1}", "NaN", '{"a":01}', "\u0000"])(
    "%p is bad_json",
    (text) => {
      expect(failure(() => parseJsonText(text))).toEqual({ code: "bad_json", field: null });
    },
  );
  test("duplicate member names: the last one wins (SPEC §2.2 allows this choice)", () => {
    expect(parseJsonText('{"value":1,"value":2}')).toEqual({ value: 2 });
  });
  test("the cause is kept", () => {
    try {
      parseJsonText("{");
    } catch (e) {
      expect((e as Error).cause).toBeInstanceOf(SyntaxError);
    }
  });
});

describe("assertIJson: lone surrogates are bad_unicode (RFC 7493 §2.1)", () => {
  const cases: [string, string, string | null][] = [
    ["a top-level string", '"\\ud800"', null],
    ["a field", '{"concept":"a\\udfff"}', "concept"],
    ["a nested value", '{"value":{"tags":["ok","\\ud83d"]}}', "value.tags[1]"],
    ["a member name", '{"value":{"\\udc00x":1}}', 'value["\\udc00x"]'],
    ["a high surrogate at the end", '{"evidence":["x\\ud83d"]}', "evidence[0]"],
    ["reversed pair", '{"value":"\\ude00\\ud83d"}', "value"],
  ];
  test.each(cases)("in %s", (_name, text, field) => {
    expect(failure(() => assertIJson(parseJsonText(text)))).toEqual({ code: "bad_unicode", field });
  });
  test("well-formed pairs and non-BMP characters pass", () => {
    expect(() =>
      assertIJson(parseJsonText('{"value":"\\ud83d\\ude00 😀 é \\u2028"}')),
    ).not.toThrow();
  });
});

describe("assertIJson: data JSON cannot carry is invalid_field", () => {
  const cases: [string, unknown, string | null][] = [
    ["NaN", { value: Number.NaN }, "value"],
    ["Infinity", { value: [1, Number.POSITIVE_INFINITY] }, "value[1]"],
    ["undefined in an array", { value: [undefined] }, "value[0]"],
    ["a bigint", { ts: 1n }, "ts"],
    ["a function", { value: () => 1 }, "value"],
    ["a Date", { value: new Date(0) }, "value"],
    ["a Map", { value: new Map() }, "value"],
    ["a symbol", { value: Symbol("s") }, "value"],
    ["an odd member name", { value: { "a b": Number.NaN } }, 'value["a b"]'],
  ];
  test.each(cases)("%s", (_name, value, field) => {
    expect(failure(() => assertIJson(value))).toEqual({ code: "invalid_field", field });
  });
  test("undefined members count as absent; null-prototype objects are fine", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = 1;
    expect(() => assertIJson({ confidence: undefined, value: bare })).not.toThrow();
  });
});

describe("nesting depth", () => {
  const nested = (levels: number) => `{"value":${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}}`;
  test(`${MAX_JSON_DEPTH} levels (the assertion object being one) pass`, () => {
    expect(() => assertIJson(parseJsonText(nested(MAX_JSON_DEPTH)))).not.toThrow();
  });
  test("one more is invalid_field on the top-level field", () => {
    expect(failure(() => assertIJson(parseJsonText(nested(MAX_JSON_DEPTH + 1))))).toEqual({
      code: "invalid_field",
      field: "value",
    });
  });
  test("a million levels fail cleanly instead of overflowing the stack", () => {
    expect(failure(() => assertIJson(parseJsonText(nested(1_000_000))))).toEqual({
      code: "invalid_field",
      field: "value",
    });
  });
});

test("formatFieldPath", () => {
  expect(formatFieldPath([])).toBeUndefined();
  expect(formatFieldPath(["evidence", 3])).toBe("evidence[3]");
  expect(formatFieldPath(["value", "a", 0, "b-c", "d"])).toBe('value.a[0]["b-c"].d');
  expect(formatFieldPath([0, "x"])).toBe("[0].x");
});
