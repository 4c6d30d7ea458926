/**
 * `POST /v1/assert` under attack: every SPEC §2.1 schema case in each request
 * shape (a single object, an item of a JSON batch next to a valid one, a line
 * of NDJSON next to a valid one), each with the exact answer it must get.
 */
import { PROBLEM_TABLE } from "../../../src/http/error-mapper.ts";
import type { Prng } from "../../helpers/prng.ts";
import type { HostileRequest } from "./hostile-request.ts";
import { type Doc, signerN } from "./raw-signer.ts";
import { SCHEMA_CASES } from "./schema-cases.ts";
import type { ValidPool } from "./valid-pool.ts";

export interface GenContext {
  rng: Prng;
  /** Server-comparable wall clock (ms) at generation. */
  now: number;
  pool: ValidPool;
}

export const JSON_TYPE = { "content-type": "application/json" };
export const NDJSON_TYPE = { "content-type": "application/x-ndjson" };

type Shape = "single" | "batch" | "ndjson";
const SHAPES: readonly Shape[] = ["single", "batch", "ndjson"];

export function schemaRequests(ctx: GenContext): HostileRequest[] {
  const out: HostileRequest[] = [];
  SCHEMA_CASES.forEach((c, i) => {
    const signer = signerN(1_000 + i);
    SHAPES.forEach((shape, s) => {
      const base: Doc = {
        v: 1,
        concept: `sec/schema/c${i}`,
        predicate: "status",
        value: "ok",
        ts: ctx.now - 120_000 + i * 3 + s,
        agent: signer.agent,
      };
      const built = c.build(base, signer);
      const valid = c.expect === "valid" ? [built.id as string] : [];
      const label = `${c.name} (${shape})`;
      const code = c.expect === "valid" ? undefined : c.expect.code;
      if (shape === "single") {
        const status = code === undefined ? [200, 201] : (PROBLEM_TABLE[code].status as number);
        const expect: HostileRequest["expect"] =
          c.expect === "valid" ? { status } : { status, ...c.expect };
        out.push({
          kind: "schema",
          label,
          method: "POST",
          path: "/v1/assert",
          headers: JSON_TYPE,
          body: built.text,
          expect,
          valid,
        });
        return;
      }
      const companion = ctx.pool.next();
      if (shape === "batch" && code === "bad_json") {
        // One unparseable member makes the whole JSON body unparseable: nothing recorded.
        out.push({
          kind: "schema",
          label,
          method: "POST",
          path: "/v1/assert",
          headers: JSON_TYPE,
          body: `[${companion.text},${built.text}]`,
          expect: { status: 400, code: "bad_json" },
        });
        return;
      }
      const items = ["recorded", code ?? "recorded"];
      out.push({
        kind: "schema",
        label,
        method: "POST",
        path: "/v1/assert",
        headers: shape === "batch" ? JSON_TYPE : NDJSON_TYPE,
        body:
          shape === "batch"
            ? `[${companion.text},${built.text}]`
            : `${companion.text}\n${built.text}\n`,
        expect: { status: 200 },
        items,
        valid: [companion.id, ...valid],
      });
    });
  });
  return out;
}

/** A large mixed batch: `n` valid items interleaved with `n` forged ones (sig of a neighbour). */
export function mixedBatch(ctx: GenContext, n: number): HostileRequest {
  const docs = Array.from({ length: n }, () => ctx.pool.next());
  const parts: string[] = [];
  const items: string[] = [];
  docs.forEach((d, i) => {
    const other = docs[(i + 1) % n]?.doc.sig as string;
    parts.push(d.text, JSON.stringify({ ...d.doc, sig: other, ts: (d.doc.ts as number) + 1 }));
    items.push("recorded", "bad_signature");
  });
  return {
    kind: "batch",
    label: `${n} valid items interleaved with ${n} forged ones`,
    method: "POST",
    path: "/v1/assert",
    headers: JSON_TYPE,
    body: `[${parts.join(",")}]`,
    expect: { status: 200 },
    items,
    valid: docs.map((d) => d.id),
  };
}
