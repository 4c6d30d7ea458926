/**
 * The verifier rule for leaves without a body (SPEC §12), shared by
 * `stemedb verify`, the SDK and the MCP verify tool:
 *
 * - a body that is present must hash to its id and carry a valid agent
 *   signature (checked by the caller, as before);
 * - a body that is absent is valid only with a redaction of that id LATER in
 *   the tree (greater seq), itself a valid signed assertion (its signature is
 *   checked by the caller like any present body), by an operator key the
 *   verifier trusts. Keys are pinned like the server key; with no pinned
 *   operator keys the verdict is valid but names the key (`trusted: false`),
 *   so the report shows who removed what.
 *
 * Anything else is tampering. Pure: no server modules.
 */
import type { Assertion } from "../protocol/assertion.ts";
import { redactionOf } from "./redaction-shape.ts";

export type BodylessVerdict =
  | { ok: true; operator: string; reason: string; trusted: boolean }
  | { ok: false; problem: string };

export interface RedactionEvidence {
  seq: number;
  /** The redaction as signed (its own id and signature verified by the caller). */
  assertion: Assertion;
}

export function checkBodylessLeaf(
  leaf: { id: string; seq: number },
  redaction: RedactionEvidence | undefined,
  trustedOperators?: ReadonlySet<string>,
): BodylessVerdict {
  if (redaction === undefined) {
    return { ok: false, problem: `seq ${leaf.seq} has no body and no redaction names it` };
  }
  const made = redactionOf(redaction.assertion);
  if (made === undefined || made.target !== leaf.id) {
    return { ok: false, problem: `seq ${redaction.seq} is not a redaction of ${leaf.id}` };
  }
  if (redaction.seq <= leaf.seq) {
    return {
      ok: false,
      problem: `the redaction (seq ${redaction.seq}) is not later than its target (seq ${leaf.seq})`,
    };
  }
  const operator = redaction.assertion.agent;
  if (trustedOperators !== undefined && trustedOperators.size > 0) {
    if (!trustedOperators.has(operator)) {
      return {
        ok: false,
        problem: `seq ${leaf.seq} was redacted by ${operator}, which is not a trusted operator key`,
      };
    }
    return { ok: true, operator, reason: made.reason, trusted: true };
  }
  return { ok: true, operator, reason: made.reason, trusted: false };
}
