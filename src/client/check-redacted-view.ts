/**
 * The verifier rule for a redacted assertion (SPEC §12) with the tree's word
 * for the redaction's seq, as the dashboard and the MCP verify tool apply it:
 * the redaction is fetched and judged by `verifyAssertionView` (a valid signed
 * redaction of this id, with a greater seq, by a trusted or reported operator
 * key), then its inclusion proof in `sth` must put it at leaf `seq − 1`, so a
 * server cannot make a redaction look later than it is. The caller proves the
 * target's own seq the same way (`leafSeqProblem` on its inclusion proof).
 */
import type {
  AnyAssertionView,
  InclusionProof,
  RedactedAssertionView,
  SignedTreeHead,
} from "./client-types.ts";
import { type AssertionVerdict, verifyAssertionView } from "./verify-assertion.ts";
import { leafSeqProblem } from "./verify-proof.ts";

/** What the check reads from the server (a `StemeClient` has both). */
export interface RedactionReader {
  get(id: string): Promise<AnyAssertionView>;
  inclusionProof(id: string, treeSize?: number): Promise<InclusionProof>;
}

export async function checkRedactedView(
  client: RedactionReader,
  id: string,
  view: RedactedAssertionView,
  sth: SignedTreeHead,
  trustedOperators?: ReadonlySet<string>,
): Promise<AssertionVerdict> {
  const shown = view.redaction;
  const redaction = shown === null ? undefined : await client.get(shown.id);
  const verdict = verifyAssertionView(id, view, redaction, trustedOperators);
  if (!verdict.ok || shown === null || redaction === undefined) return verdict;
  const proof = await client.inclusionProof(shown.id, sth.tree_size);
  const problem = leafSeqProblem(shown.id, redaction.seq, proof, sth);
  return problem === undefined ? verdict : { ok: false, problem: `the redaction: ${problem}` };
}
