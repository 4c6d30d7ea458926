/**
 * Property tests (fast-check) of the protocol codec (SPEC §2): RFC 8785
 * canonicalization against an independent reference written here from the
 * RFC (members sorted by UTF-16 code units, ECMAScript number and string
 * serialization, no whitespace), and `prepareAssertion` — the one entry for
 * every client document — which on any input either prepares it or throws a
 * StemeError with a stable code: never another exception.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { StemeError } from "../../src/errors.ts";
import { toHex } from "../../src/hex.ts";
import type { UnsignedAssertion } from "../../src/protocol/assertion.ts";
import { assertionId } from "../../src/protocol/assertion-id.ts";
import { canonicalBytes, canonicalString } from "../../src/protocol/canonical.ts";
import { parseJsonText } from "../../src/protocol/json-input.ts";
import { prepareAssertion } from "../../src/protocol/prepare.ts";
import { fastSigner } from "../helpers/fast-sign.ts";

const RUNS = Number(process.env.STEMEDB_PROPERTY_RUNS ?? 300);
const LIMITS = { nowMs: 1_767_225_600_000, maxSkewMs: 300_000, maxValueBytes: 16_384 };

/** RFC 8785 §3.2, independently: the reference the production codec must match. */
function jcs(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jcs).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // UTF-16 code unit order
  return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(o[k])}`).join(",")}}`;
}

function shuffled(v: unknown, rnd: number): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => shuffled(x, rnd));
  const entries = Object.entries(v as Record<string, unknown>);
  entries.sort((a, b) => ((a[0].length * 31 + rnd) % 7) - ((b[0].length * 31 + rnd) % 7));
  return Object.fromEntries(entries.map(([k, x]) => [k, shuffled(x, rnd)]));
}

const json = fc.jsonValue({ maxDepth: 4 });

test("canonicalization matches an independent RFC 8785 reference", () => {
  fc.assert(
    fc.property(json, (v) => {
      expect(canonicalString(v)).toBe(jcs(v));
    }),
    { numRuns: RUNS * 3 },
  );
});

test("canonical form parses back to the value, is idempotent, and ignores member order", () => {
  fc.assert(
    fc.property(json, fc.nat(), (v, rnd) => {
      const c = canonicalString(v);
      expect(canonicalString(JSON.parse(c))).toBe(c);
      expect(canonicalString(shuffled(v, rnd))).toBe(c);
      expect(JSON.parse(c)).toEqual(JSON.parse(JSON.stringify(v)));
    }),
    { numRuns: RUNS * 3 },
  );
});

test("JSON text parses or fails with bad_json, nothing else", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: "binary" })), (text) => {
      try {
        parseJsonText(text);
      } catch (e) {
        expect(e).toBeInstanceOf(StemeError);
        expect((e as StemeError).code).toBe("bad_json");
      }
    }),
    { numRuns: RUNS * 3 },
  );
});

const signer = fastSigner(new Uint8Array(32).fill(9));
const concept = fc.stringMatching(/^[a-z0-9_.:-]{1,12}(\/[a-z0-9_.:-]{1,12}){0,3}$/);
const predicate = fc.stringMatching(/^[a-z][a-z0-9_.:-]{0,20}$/);
const fields = fc
  .record(
    {
      concept,
      predicate,
      value: fc.jsonValue({ maxDepth: 3 }),
      ts: fc.integer({ min: 946_684_800_000, max: LIMITS.nowMs }),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      evidence: fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 4 }),
    },
    { requiredKeys: ["concept", "predicate", "value", "ts"] },
  )
  .map((f) => f as unknown as Omit<UnsignedAssertion, "agent" | "v">);

test("a validly signed assertion prepares, with id = BLAKE3 of its canonical bytes without sig", () => {
  fc.assert(
    fc.property(fields, (f) => {
      const doc = signer.sign(f);
      const p = prepareAssertion(JSON.parse(JSON.stringify(doc)), LIMITS);
      const { sig: _sig, ...unsigned } = doc;
      expect(toHex(p.id)).toBe(
        toHex(assertionId(canonicalBytes(JSON.parse(JSON.stringify(unsigned))))),
      );
    }),
    { numRuns: RUNS },
  );
});

test("any document, however mangled, prepares or fails with a StemeError", () => {
  const mangled = fc
    .tuple(fields, fc.string(), fc.anything(), fc.nat())
    .map(([f, key, junk, n]) => {
      const doc: Record<string, unknown> = { ...signer.sign(f) };
      const keys = Object.keys(doc);
      if (n % 3 === 0) doc[keys[n % keys.length] as string] = junk;
      else if (n % 3 === 1) doc[key] = junk;
      else delete doc[keys[n % keys.length] as string];
      return doc;
    });
  fc.assert(
    fc.property(fc.oneof(mangled, fc.anything(), fc.jsonValue()), (input) => {
      try {
        prepareAssertion(input, LIMITS);
      } catch (e) {
        if (!(e instanceof StemeError)) throw e;
        expect(typeof e.code).toBe("string");
      }
    }),
    { numRuns: RUNS * 3 },
  );
});
