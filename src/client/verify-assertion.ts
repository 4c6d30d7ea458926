/**
 * The verifier rule on the client (SPEC §12), checked with the SDK's own
 * @noble verifiers — nothing the server says is taken on trust:
 *
 * - a present body must hash to the id asked for and carry a valid signature
 *   of its agent (SPEC §2.2);
 * - an absent body (`status: "redacted"`) is valid only with its redaction:
 *   itself a present body that verifies, later in the tree, naming this id,
 *   by an operator key — one of `trustedOperators` when given (pinned like the
 *   server key), else accepted and reported (`trusted: false`).
 *
 * Inclusion of either in a signed tree head is checked separately
 * (`verifyInclusionProof`): a redacted assertion keeps its leaf.
 */
import type { Assertion } from "../protocol/assertion.ts";
import { nobleVerifyAssertion } from "../protocol/sign.ts";
import { checkBodylessLeaf } from "../redaction/redaction-rule.ts";
import { computeAssertionId } from "./assertion-id.ts";
import type { AnyAssertionView, RedactedAssertionView } from "./client-types.ts";

export type AssertionVerdict =
  | { ok: true; redacted?: { operator: string; reason: string; trusted: boolean } }
  | { ok: false; problem: string };

export function isRedactedView(view: AnyAssertionView): view is RedactedAssertionView {
  return view.status === "redacted";
}

/** Why a present body is not the assertion `id`, or undefined when it is. */
export function bodyProblem(id: string, assertion: Assertion): string | undefined {
  if (computeAssertionId(assertion) !== id)
    return "the assertion's content does not hash to its id";
  if (!nobleVerifyAssertion(assertion)) {
    return `the signature does not verify under agent key ${assertion.agent}`;
  }
  return undefined;
}

/**
 * @param redaction the view of `view.redaction.id`, for a redacted `view`
 *   (fetch it with `client.get`); ignored otherwise.
 */
export function verifyAssertionView(
  id: string,
  view: AnyAssertionView,
  redaction: AnyAssertionView | undefined,
  trustedOperators?: ReadonlySet<string>,
): AssertionVerdict {
  if (!isRedactedView(view)) {
    const problem = bodyProblem(id, view.assertion);
    return problem === undefined ? { ok: true } : { ok: false, problem };
  }
  if (view.id !== id) return { ok: false, problem: `the server answered for ${view.id}` };
  if (view.redaction === null || redaction === undefined || isRedactedView(redaction)) {
    return { ok: false, problem: "the body is absent and no redaction of this id is shown" };
  }
  const problem = bodyProblem(view.redaction.id, redaction.assertion);
  if (problem !== undefined) return { ok: false, problem: `the redaction: ${problem}` };
  const verdict = checkBodylessLeaf(
    { id, seq: view.seq },
    { seq: redaction.seq, assertion: redaction.assertion },
    trustedOperators,
  );
  if (!verdict.ok) return { ok: false, problem: verdict.problem };
  const { operator, reason, trusted } = verdict;
  return { ok: true, redacted: { operator, reason, trusted } };
}
