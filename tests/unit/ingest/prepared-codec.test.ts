/**
 * The prepared-submission codec (SPEC §11): what an HTTP thread or a prepare
 * worker hands the writer decodes to the same prepared assertions and the
 * same per-document errors, in order; an unknown version is refused.
 */
import { describe, expect, test } from "bun:test";
import { StemeError } from "../../../src/errors.ts";
import {
  decodePrepared,
  encodePrepared,
  type Prepared,
} from "../../../src/ingest/prepared-codec.ts";
import { prepareAssertion } from "../../../src/protocol/prepare.ts";
import { testAgent } from "../http/http-test-helpers.ts";

const limits = { nowMs: Date.now(), maxSkewMs: 300_000, maxValueBytes: 16_384 };

describe("prepared codec", () => {
  test("round-trips prepared assertions and errors in order", () => {
    const agent = testAgent();
    const docs = [
      agent.sign({ concept: "acme/a", value: { nested: [1, "two", null], é: 1.5e-7 } }),
      agent.sign({ concept: "acme/b", value: null, confidence: 0.25 }),
    ];
    const items: Prepared[] = [
      { ok: true, prepared: prepareAssertion(docs[0], limits) },
      { ok: false, error: new StemeError("bad_signature", "no", { field: "sig" }) },
      { ok: true, prepared: prepareAssertion(docs[1], limits) },
    ];
    const back = decodePrepared(encodePrepared(items));
    expect(back.length).toBe(3);
    for (const i of [0, 2]) {
      const want = items[i] as Extract<Prepared, { ok: true }>;
      const got = back[i] as Extract<Prepared, { ok: true }>;
      expect(got.ok).toBe(true);
      expect(got.prepared.id).toEqual(want.prepared.id);
      expect(got.prepared.idHex).toBe(want.prepared.idHex);
      expect(got.prepared.sig).toEqual(want.prepared.sig);
      expect(got.prepared.canonical).toEqual(want.prepared.canonical);
      expect(got.prepared.valueCanonical).toBe(want.prepared.valueCanonical);
      expect(got.prepared.assertion).toEqual(want.prepared.assertion);
    }
    const error = back[1] as Extract<Prepared, { ok: false }>;
    expect(error.ok).toBe(false);
    expect(error.error).toBeInstanceOf(StemeError);
    expect(error.error).toMatchObject({ code: "bad_signature", message: "no" });
    expect(error.error.context).toEqual({ field: "sig" });
  });

  test("an unknown version is bad_format_version", () => {
    const bytes = new Uint8Array(encodePrepared([]));
    bytes[0] = 9;
    expect(() => decodePrepared(bytes.buffer)).toThrow(
      expect.objectContaining({ code: "bad_format_version" }),
    );
  });
});
