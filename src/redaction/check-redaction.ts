/**
 * The plan's checks for `_stemedb/` concepts (SPEC §12), made against the
 * applied state plus the groups in flight, like retraction checks (SPEC §2.1):
 *
 * - only an operator key (registry `role: "operator"`) may write under
 *   `_stemedb/`: 403 `operator_required`;
 * - the only shape there is a redaction: 422 `reserved_concept` /
 *   `invalid_redaction` otherwise;
 * - its target must be recorded (422 `unknown_target`), not yet redacted
 *   (422 `target_redacted`), and neither a retraction nor a redaction
 *   (422 `not_redactable`).
 */
import type { PendingRecords } from "../engine/pending-records.ts";
import { StemeError } from "../errors.ts";
import { fromHex } from "../hex.ts";
import type { Assertion } from "../protocol/assertion.ts";
import type { State } from "../store/state.ts";
import { isRedactionAssertion, isReservedConcept, parseRedaction } from "./redaction-shape.ts";

/** Undefined when `a` is not under `_stemedb/` or is a valid redaction by an operator. */
export function checkReserved(
  a: Assertion,
  pending: PendingRecords,
  state: State,
): StemeError | undefined {
  if (!isReservedConcept(a.concept)) return undefined;
  if (state.agents.get(a.agent)?.role !== "operator") {
    return new StemeError(
      "operator_required",
      'concepts under _stemedb/ are reserved to operator keys; an admin grants the role with PUT /v1/agents/:key {"role": "operator"}',
      { field: "agent" },
    );
  }
  const redaction = parseRedaction(a);
  if (redaction instanceof StemeError) return redaction;
  const field = { field: "value.target" };
  const id = fromHex(redaction.target, 32);
  const target: Pick<Assertion, "concept" | "predicate"> & { retracts?: unknown } =
    pending.assertion(redaction.target)?.assertion ?? state.assertions.byId(id) ?? NONE;
  if (target === NONE) {
    return state.redacted.byId(id) !== undefined
      ? new StemeError("target_redacted", "the target is already redacted", field)
      : new StemeError("unknown_target", "target names no recorded assertion", field);
  }
  if (target.retracts !== undefined && target.retracts !== null) {
    return new StemeError("not_redactable", "a retraction cannot be redacted", field);
  }
  if (isRedactionAssertion(target)) {
    return new StemeError("not_redactable", "a redaction cannot be redacted", field);
  }
  return undefined;
}

/** The retraction check's extra case: a target that is redacted (SPEC §12 edges). */
export function redactedTargetError(state: State, id: Uint8Array): StemeError | undefined {
  if (state.redacted.size === 0 || state.redacted.byId(id) === undefined) return undefined;
  return new StemeError("target_redacted", "the retraction's target is redacted", {
    field: "retracts",
  });
}

const NONE = { concept: "", predicate: "" };
