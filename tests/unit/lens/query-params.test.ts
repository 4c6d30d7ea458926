/**
 * `parseQueryParams` (SPEC §4 parameters): defaults, query-string coercion,
 * JSON-number strictness, and errors that name their `field`.
 */
import { describe, expect, test } from "bun:test";
import { isStemeError } from "../../../src/errors.ts";
import { type ParamSource, parseQueryParams } from "../../../src/lens/query-params.ts";

const AGENT = "ab".repeat(32);

function refusal(
  input: Record<string, unknown>,
  from: ParamSource,
): { code: string; field?: string } {
  try {
    parseQueryParams(input, from);
  } catch (e) {
    if (isStemeError(e))
      return e.field === undefined ? { code: e.code } : { code: e.code, field: e.field };
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe("parseQueryParams", () => {
  test("defaults: match exact, lens latest, limit 100", () => {
    expect(parseQueryParams({ concept: "acme/web" }, "json")).toEqual({
      concept: "acme/web",
      match: "exact",
      lens: "latest",
      limit: 100,
    });
  });

  test("query strings: numbers arrive as decimal strings", () => {
    expect(
      parseQueryParams(
        {
          concept: "acme",
          match: "tail",
          predicate: "status",
          agent: AGENT,
          lens: "trust",
          as_of: "3",
          min_confidence: "0.5",
          limit: "10",
          cursor: "abc",
        },
        "query",
      ),
    ).toEqual({
      concept: "acme",
      match: "tail",
      predicate: "status",
      agent: AGENT,
      lens: "trust",
      as_of: 3,
      min_confidence: 0.5,
      limit: 10,
      cursor: "abc",
    });
  });

  test("JSON bodies: numbers must be JSON numbers", () => {
    expect(
      parseQueryParams({ predicate: "p", limit: 10, as_of: 0, min_confidence: 1 }, "json"),
    ).toMatchObject({
      limit: 10,
      as_of: 0,
      min_confidence: 1,
    });
    expect(refusal({ predicate: "p", limit: "10" }, "json")).toEqual({
      code: "invalid_field",
      field: "limit",
    });
    expect(refusal({ predicate: "p", as_of: "3" }, "json")).toEqual({
      code: "invalid_field",
      field: "as_of",
    });
  });

  const invalid: [string, Record<string, unknown>, ParamSource, string][] = [
    ["concept with an empty segment", { concept: "acme//x" }, "json", "concept"],
    ["concept with uppercase", { concept: "Acme" }, "query", "concept"],
    ["concept with a trailing slash", { concept: "acme/" }, "query", "concept"],
    ["predicate starting with a digit", { predicate: "1x" }, "query", "predicate"],
    ["empty predicate", { predicate: "" }, "query", "predicate"],
    ["uppercase agent", { agent: AGENT.toUpperCase() }, "query", "agent"],
    ["short agent", { agent: "abcd" }, "json", "agent"],
    ["unknown match", { concept: "a", match: "suffix" }, "query", "match"],
    ["unknown lens", { concept: "a", lens: "median" }, "json", "lens"],
    ["limit 0", { concept: "a", limit: "0" }, "query", "limit"],
    ["limit 1001", { concept: "a", limit: 1001 }, "json", "limit"],
    ["limit 2.5", { concept: "a", limit: "2.5" }, "query", "limit"],
    ["limit not a number", { concept: "a", limit: "ten" }, "query", "limit"],
    ["limit empty", { concept: "a", limit: "" }, "query", "limit"],
    ["limit in hex", { concept: "a", limit: "0x10" }, "query", "limit"],
    ["negative as_of", { concept: "a", as_of: "-1" }, "query", "as_of"],
    ["fractional as_of", { concept: "a", as_of: 1.5 }, "json", "as_of"],
    ["min_confidence above 1", { concept: "a", min_confidence: "1.5" }, "query", "min_confidence"],
    ["min_confidence below 0", { concept: "a", min_confidence: -0.1 }, "json", "min_confidence"],
    ["null agent", { concept: "a", agent: null }, "json", "agent"],
    ["repeated parameter", { concept: ["a", "b"] }, "query", "concept"],
    ["empty cursor", { concept: "a", cursor: "" }, "query", "cursor"],
    ["match without concept", { predicate: "p", match: "prefix" }, "query", "match"],
  ];
  for (const [name, input, from, field] of invalid) {
    test(`refuses ${name} (field ${field})`, () => {
      expect(refusal(input, from)).toEqual({ code: "invalid_field", field });
    });
  }

  test("unknown parameters are refused by name", () => {
    expect(refusal({ concept: "a", min_confidense: "0.5" }, "query")).toEqual({
      code: "unknown_field",
      field: "min_confidense",
    });
    expect(refusal({ predicate: "p", tree_size: 3, limit: "x" }, "json")).toEqual({
      code: "unknown_field",
      field: "tree_size",
    });
  });

  test("at least one of concept, predicate, agent", () => {
    expect(refusal({}, "query")).toEqual({ code: "missing_filter", field: "concept" });
    expect(refusal({ lens: "all", limit: "5" }, "query")).toEqual({
      code: "missing_filter",
      field: "concept",
    });
    expect(parseQueryParams({ agent: AGENT }, "query").agent).toBe(AGENT);
    expect(parseQueryParams({ predicate: "p" }, "query").predicate).toBe("p");
  });
});
