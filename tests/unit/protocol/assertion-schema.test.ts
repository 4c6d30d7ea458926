/**
 * Every rule of SPEC §2.1 has a passing edge and a failing case here, each
 * asserting the error code and `context.field` clients branch on, plus the
 * check that the compiled fast path and zod's runtime parser report the same.
 */
import { describe, expect, test } from "bun:test";
import * as z from "zod";
import { type ErrorCode, isStemeError, StemeError } from "../../../src/errors.ts";
import {
  assertionSchema,
  conceptProblem,
  LIMITS,
  parseAssertion,
} from "../../../src/protocol/assertion-schema.ts";

const ok = {
  v: 1,
  concept: "acme/payments/checkout",
  predicate: "status",
  value: { state: "degraded" },
  ts: 1_732_700_000_000,
  agent: "ab".repeat(32),
  sig: "cd".repeat(64),
};

function failure(input: unknown): { code: ErrorCode; field: string | null; message: string } {
  try {
    parseAssertion(input);
  } catch (e) {
    if (!isStemeError(e)) throw e;
    return { code: e.code, field: e.field ?? null, message: e.message };
  }
  throw new Error("expected parseAssertion to throw");
}

const seg = (n: number) => "s".repeat(n);

// [name, input, code, field, a fragment of the message]
const failing: [string, unknown, ErrorCode, string | null, string][] = [
  ["not an object (array)", [ok], "invalid_field", null, "JSON object"],
  ["not an object (null)", null, "invalid_field", null, "got null"],
  ["not an object (string)", "x", "invalid_field", null, "got string"],
  ["unknown field", { ...ok, id: "00" }, "unknown_field", "id", '"id"'],
  ["unknown field wins over a bad known one", { ...ok, zzz: 1, v: 2 }, "unknown_field", "zzz", ""],
  ["v missing", { ...ok, v: undefined }, "missing_field", "v", 'missing required field "v"'],
  ["v = 2", { ...ok, v: 2 }, "invalid_field", "v", "v must be 1"],
  ["v = '1'", { ...ok, v: "1" }, "invalid_field", "v", "v must be 1"],
  ["concept missing", { ...ok, concept: undefined }, "missing_field", "concept", "concept"],
  ["concept not a string", { ...ok, concept: 1 }, "invalid_field", "concept", "string"],
  ["concept empty", { ...ok, concept: "" }, "invalid_field", "concept", "segment 1 is empty"],
  ["concept leading /", { ...ok, concept: "/a" }, "invalid_field", "concept", "segment 1 is empty"],
  [
    "concept trailing /",
    { ...ok, concept: "a/" },
    "invalid_field",
    "concept",
    "segment 2 is empty",
  ],
  ["concept doubled /", { ...ok, concept: "a//b" }, "invalid_field", "concept", "segment 2"],
  ["concept uppercase", { ...ok, concept: "a/B" }, "invalid_field", "concept", '"B"'],
  ["concept space", { ...ok, concept: "a b" }, "invalid_field", "concept", '" "'],
  ["concept non-ASCII", { ...ok, concept: "café" }, "invalid_field", "concept", '"é"'],
  [
    "concept 33 segments",
    { ...ok, concept: Array(33).fill("s").join("/") },
    "invalid_field",
    "concept",
    "33 segments",
  ],
  [
    "concept segment of 65",
    { ...ok, concept: `a/${seg(65)}` },
    "invalid_field",
    "concept",
    "65 chars",
  ],
  [
    "concept of 513 chars",
    { ...ok, concept: `${Array(8).fill(seg(56)).join("/")}/${seg(57)}` },
    "invalid_field",
    "concept",
    "longer than 512",
  ],
  ["predicate missing", { ...ok, predicate: undefined }, "missing_field", "predicate", "predicate"],
  ["predicate empty", { ...ok, predicate: "" }, "invalid_field", "predicate", "empty"],
  [
    "predicate leading digit",
    { ...ok, predicate: "1x" },
    "invalid_field",
    "predicate",
    "start with a letter",
  ],
  [
    "predicate leading _",
    { ...ok, predicate: "_x" },
    "invalid_field",
    "predicate",
    "start with a letter",
  ],
  ["predicate uppercase", { ...ok, predicate: "xY" }, "invalid_field", "predicate", "[a-z0-9_.:-]"],
  ["predicate with /", { ...ok, predicate: "x/y" }, "invalid_field", "predicate", "[a-z0-9_.:-]"],
  ["predicate of 129", { ...ok, predicate: "p".repeat(129) }, "invalid_field", "predicate", "128"],
  ["value missing", { ...ok, value: undefined }, "missing_field", "value", "value"],
  ["confidence null", { ...ok, confidence: null }, "invalid_field", "confidence", "number"],
  ["confidence string", { ...ok, confidence: "1" }, "invalid_field", "confidence", "number"],
  [
    "confidence < 0",
    { ...ok, confidence: -0.01 },
    "invalid_field",
    "confidence",
    "between 0 and 1",
  ],
  [
    "confidence > 1",
    { ...ok, confidence: 1.0000001 },
    "invalid_field",
    "confidence",
    "between 0 and 1",
  ],
  ["confidence NaN", { ...ok, confidence: Number.NaN }, "invalid_field", "confidence", ""],
  [
    "confidence Infinity",
    { ...ok, confidence: Number.POSITIVE_INFINITY },
    "invalid_field",
    "confidence",
    "",
  ],
  ["ts missing", { ...ok, ts: undefined }, "missing_field", "ts", "ts"],
  ["ts string", { ...ok, ts: "1732700000000" }, "invalid_field", "ts", "integer"],
  ["ts fractional", { ...ok, ts: 1_732_700_000_000.5 }, "invalid_field", "ts", "integer"],
  ["ts before 2000", { ...ok, ts: LIMITS.minTs - 1 }, "invalid_field", "ts", "946684800000"],
  ["ts in seconds", { ...ok, ts: 1_732_700_000 }, "invalid_field", "ts", "in ms"],
  ["ts beyond safe integers", { ...ok, ts: 2 ** 53 }, "invalid_field", "ts", ""],
  ["agent missing", { ...ok, agent: undefined }, "missing_field", "agent", "agent"],
  ["agent uppercase", { ...ok, agent: "AB".repeat(32) }, "invalid_field", "agent", "lowercase hex"],
  ["agent 62 chars", { ...ok, agent: "ab".repeat(31) }, "invalid_field", "agent", "64"],
  ["agent non-hex", { ...ok, agent: "zz".repeat(32) }, "invalid_field", "agent", "hex"],
  ["retracts uppercase", { ...ok, retracts: "AB".repeat(32) }, "invalid_field", "retracts", "hex"],
  ["retracts null", { ...ok, retracts: null }, "invalid_field", "retracts", "string"],
  ["retracts 66 chars", { ...ok, retracts: "ab".repeat(33) }, "invalid_field", "retracts", "64"],
  ["evidence not an array", { ...ok, evidence: "x" }, "invalid_field", "evidence", "array"],
  [
    "evidence 17 items",
    { ...ok, evidence: Array(17).fill("e") },
    "invalid_field",
    "evidence",
    "16",
  ],
  [
    "evidence empty item",
    { ...ok, evidence: ["e", "", "e"] },
    "invalid_field",
    "evidence[1]",
    "empty",
  ],
  [
    "evidence non-string item",
    { ...ok, evidence: ["e", "e", "e", 3] },
    "invalid_field",
    "evidence[3]",
    "strings",
  ],
  [
    "evidence item of 513",
    { ...ok, evidence: ["e".repeat(513)] },
    "invalid_field",
    "evidence[0]",
    "512",
  ],
  [
    "evidence item of 513 code points",
    { ...ok, evidence: ["😀".repeat(513)] },
    "invalid_field",
    "evidence[0]",
    "512",
  ],
  [
    "sig missing",
    { ...ok, sig: undefined },
    "missing_field",
    "sig",
    'missing required field "sig"',
  ],
  ["sig uppercase", { ...ok, sig: "CD".repeat(64) }, "invalid_field", "sig", "128 lowercase hex"],
  ["sig 126 chars", { ...ok, sig: "cd".repeat(63) }, "invalid_field", "sig", "128"],
  ["sig with 0x", { ...ok, sig: `0x${"cd".repeat(63)}` }, "invalid_field", "sig", "hex"],
];

describe("each SPEC §2.1 rule rejects", () => {
  test.each(failing)("%s", (_name, input, code, field, fragment) => {
    const f = failure(input);
    expect({ code: f.code, field: f.field }).toEqual({ code, field });
    expect(f.message).toContain(fragment);
  });
});

// [name, input] at the edges of each rule: all must pass.
const passing: [string, unknown][] = [
  ["required fields only", ok],
  ["concept of one 1-char segment", { ...ok, concept: "a" }],
  ["concept of 32 segments", { ...ok, concept: Array(32).fill("s").join("/") }],
  ["concept segment of 64", { ...ok, concept: seg(64) }],
  [
    "concept of exactly 512 chars",
    { ...ok, concept: `${Array(8).fill(seg(56)).join("/")}/${seg(56)}` },
  ],
  ["concept with every allowed char", { ...ok, concept: "az09_.:-/x" }],
  ["predicate of 1 char", { ...ok, predicate: "p" }],
  ["predicate of 128", { ...ok, predicate: `p${"0_.:-".repeat(25)}ab` }],
  ["value null", { ...ok, value: null }],
  ["value false", { ...ok, value: false }],
  ["value 0", { ...ok, value: 0 }],
  ["confidence 0", { ...ok, confidence: 0 }],
  ["confidence 1", { ...ok, confidence: 1 }],
  ["confidence -0", { ...ok, confidence: -0 }],
  ["ts at 2000-01-01", { ...ok, ts: LIMITS.minTs }],
  ["retracts", { ...ok, value: null, retracts: "01".repeat(32) }],
  ["evidence empty array", { ...ok, evidence: [] }],
  ["evidence of 16", { ...ok, evidence: Array(16).fill("e") }],
  ["evidence item of 512", { ...ok, evidence: ["e".repeat(512)] }],
  ["evidence item of 512 emoji (1024 UTF-16 units)", { ...ok, evidence: ["😀".repeat(512)] }],
  ["an optional field set to undefined counts as absent", { ...ok, confidence: undefined }],
];

describe("each SPEC §2.1 rule accepts its edge", () => {
  test.each(passing)("%s", (_name, input) => {
    expect(parseAssertion(input) as unknown).toEqual(
      Object.fromEntries(Object.entries(input as object).filter(([, v]) => v !== undefined)),
    );
  });
});

test("the predicate edge case is really 128 chars", () => {
  expect(`p${"0_.:-".repeat(25)}ab`.length).toBe(128);
  expect(`${Array(8).fill(seg(56)).join("/")}/${seg(56)}`.length).toBe(512);
});

test("errors are StemeErrors carrying the field in context", () => {
  try {
    parseAssertion({ ...ok, concept: "A" });
    throw new Error("unreachable");
  } catch (e) {
    expect(e).toBeInstanceOf(StemeError);
    expect((e as StemeError).context).toEqual({ field: "concept" });
  }
});

test("the compiled fast path reports exactly what zod's runtime parser reports", () => {
  // strict: throws rather than silently handing back the runtime parser.
  const compiled = z.compile(assertionSchema, { strict: true });
  for (const [, input] of [...failing.map(([n, i]) => [n, i] as const), ...passing]) {
    const a = assertionSchema.safeParse(input);
    const b = compiled.safeParse(input);
    expect(b.success).toBe(a.success);
    expect(JSON.stringify(b.error?.issues)).toBe(JSON.stringify(a.error?.issues));
  }
});

test("conceptProblem names the rule", () => {
  expect(conceptProblem("a/b/")).toContain("segment 3 is empty");
});
