/**
 * One document through `prepareAssertion`, its `StemeError` kept as the
 * result (the document is rejected alone); any other throw is a bug and
 * becomes `internal`, which the writer's side raises for the whole request.
 */
import { isStemeError, StemeError } from "../errors.ts";
import type { PreparedAssertion } from "../protocol/assertion.ts";
import type { PrepareLimits } from "../protocol/prepare.ts";
import type { Prepared } from "./prepared-codec.ts";

export function prepareOne(
  doc: unknown,
  limits: PrepareLimits,
  prepare: (doc: unknown, limits: PrepareLimits) => PreparedAssertion,
): Prepared {
  try {
    return { ok: true, prepared: prepare(doc, limits) };
  } catch (e) {
    if (isStemeError(e)) return { ok: false, error: e };
    return { ok: false, error: new StemeError("internal", String(e)) };
  }
}

/** Raises an `internal` result (a bug while preparing) for the whole request. */
export function raiseInternal(results: readonly Prepared[]): readonly Prepared[] {
  for (const r of results) if (!r.ok && r.error.code === "internal") throw r.error;
  return results;
}
