/**
 * `verify`: proves, without trusting the server, that an assertion is what it
 * claims to be and is in the server's signed log (SPEC §2.2, §2.3). Checked
 * here, with the SDK's @noble and RFC 9162 verifiers: the current signed tree
 * head's signature (under the pinned server key), the assertion's id
 * recomputed from its content, its agent's Ed25519 signature, and the
 * inclusion proof from its leaf to the tree head's root. A redacted assertion
 * (SPEC §12) has no body: it verifies only under the verifier rule — a later
 * redaction of its id, itself verified, by an operator key (named in the
 * answer), whose own inclusion proof puts it later in the tree — and by its
 * leaf's inclusion proof. Every inclusion proof must put its leaf at the seq
 * the server names. A failed check is an
 * answer (`verified: false`, naming the check), not a tool error; a server
 * refusal (unknown id: 404) is a tool error with its problem code.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";
import { computeAssertionId } from "../client/assertion-id.ts";
import { checkRedactedView } from "../client/check-redacted-view.ts";
import type {
  RedactedAssertionView,
  SignedTreeHead,
  StoredAssertionView,
} from "../client/client-types.ts";
import { isRedactedView } from "../client/verify-assertion.ts";
import { leafSeqProblem } from "../client/verify-proof.ts";
import { nobleVerifyAssertion } from "../protocol/sign.ts";
import { formatValue } from "./format-value.ts";
import type { McpContext } from "./mcp-context.ts";
import * as field from "./tool-fields.ts";
import { answer, guarded } from "./tool-result.ts";

const CHECKS = ["tree_head", "assertion_id", "agent_signature", "redaction", "inclusion"] as const;
type Check = (typeof CHECKS)[number];

const output = {
  verified: z.boolean().describe("true only when every check passed"),
  id: z.string(),
  checks: z
    .partialRecord(z.enum(CHECKS), z.string())
    .describe('each check made: "ok", or why it failed'),
  status: z.string().describe("accepted, quarantined, released, rejected or redacted"),
  seq: z.number().int(),
  leaf_index: z.number().int().optional(),
  assertion: z
    .looseObject({})
    .optional()
    .describe("the assertion exactly as its agent signed it (absent once redacted)"),
  redaction: z
    .looseObject({ id: z.string(), seq: z.number().int(), reason: z.string() })
    .optional()
    .describe(
      "for a redacted assertion: the redaction, the operator key that signed it, and whether that key is pinned (--operator-key)",
    ),
  sth: z
    .looseObject({ tree_size: z.number().int(), root: z.string(), server_key: z.string() })
    .describe("the signed tree head the proof was checked against"),
};

export function registerVerifyTool(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "verify",
    {
      title: "Verify an assertion",
      description:
        "Prove an assertion is genuine and in the server's tamper-evident log, checking everything locally " +
        "rather than trusting the server: the agent's signature over its content, its id, and a Merkle " +
        "inclusion proof against the server's current signed tree head. Use it before relying on a claim " +
        "from recall or history, or to show another agent your evidence.",
      inputSchema: { id: field.assertionId },
      outputSchema: output,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded(ctx, async (args) => {
      const view = await ctx.client.get(args.id);
      const sth = ctx.treeHeads.check(await ctx.client.root());
      const proof = await ctx.client.inclusionProof(args.id, sth.tree_size);
      // The leaf must be the seq the server names (SPEC §12 compares seqs: each is the tree's).
      const inclusion = leafSeqProblem(args.id, view.seq, proof, sth) ?? "ok";
      if (isRedactedView(view)) {
        return await redactedAnswer(ctx, args.id, view, sth, proof.leaf_index, inclusion);
      }
      const checks: Partial<Record<Check, string>> = {
        tree_head: "ok",
        assertion_id:
          computeAssertionId(view.assertion) === args.id
            ? "ok"
            : "the assertion's content does not hash to this id",
        agent_signature: nobleVerifyAssertion(view.assertion)
          ? "ok"
          : `the signature does not verify under agent key ${view.assertion.agent}`,
        inclusion,
      };
      const verified = Object.values(checks).every((c) => c === "ok");
      const structured = {
        verified,
        id: args.id,
        checks,
        status: view.status,
        seq: view.seq,
        leaf_index: proof.leaf_index,
        assertion: view.assertion,
        sth,
      };
      return answer(
        structured,
        describe(verified, checks, view, proof.leaf_index, sth, ctx.treeHeads.how),
      );
    }),
  );
}

/** SPEC §12: no body; the redaction must verify and name this id, and the leaf must be included. */
async function redactedAnswer(
  ctx: McpContext,
  id: string,
  view: RedactedAssertionView,
  sth: SignedTreeHead,
  leafIndex: number,
  inclusion: string,
) {
  const verdict = await checkRedactedView(ctx.client, id, view, sth, ctx.trustedOperators);
  const checks: Partial<Record<Check, string>> = {
    tree_head: "ok",
    redaction: verdict.ok ? "ok" : verdict.problem,
    inclusion,
  };
  const verified = verdict.ok && inclusion === "ok";
  const by = verdict.ok ? verdict.redacted : undefined;
  const structured = {
    verified,
    id,
    checks,
    status: "redacted",
    seq: view.seq,
    leaf_index: leafIndex,
    ...(view.redaction === null
      ? {}
      : {
          redaction: {
            ...view.redaction,
            ...(by ? { operator: by.operator, operator_pinned: by.trusted } : {}),
          },
        }),
    sth,
  };
  const text = verified
    ? `REDACTED: assertion ${id} (seq ${view.seq}) was removed by operator key ${by?.operator} ` +
      `(reason ${by?.reason}; redaction ${view.redaction?.id}, seq ${view.redaction?.seq}; ` +
      `${by?.trusted ? "a pinned operator key" : "the operator key is not pinned here: judge it yourself"}). ` +
      "Its content is gone for good; " +
      `its leaf ${leafIndex} is still in the tree of size ${sth.tree_size} with root ${sth.root}.`
    : `NOT VERIFIED: assertion ${id} has no content and ${checks.redaction !== "ok" ? checks.redaction : checks.inclusion}.`;
  return answer(structured, text);
}

function describe(
  verified: boolean,
  checks: Partial<Record<Check, string>>,
  view: StoredAssertionView,
  leafIndex: number,
  sth: SignedTreeHead,
  pinNote: string,
): string {
  const a = view.assertion;
  const claim =
    a.retracts === undefined
      ? `${a.concept} ${a.predicate} = ${formatValue(a.value)} (confidence ${a.confidence ?? 1})`
      : `a retraction of ${a.retracts}`;
  const said = `agent ${a.agent} signed ${claim} at ${new Date(a.ts).toISOString()}; status ${view.status}`;
  if (!verified) {
    const failed = CHECKS.filter((c) => checks[c] !== undefined && checks[c] !== "ok").map(
      (c) => `${c}: ${checks[c]}`,
    );
    return `NOT VERIFIED: assertion ${view.id}. Failed: ${failed.join("; ")}.\nThe server says ${said}.`;
  }
  return (
    `VERIFIED: assertion ${view.id}: ${said}.\n` +
    `Checked locally: the id is the BLAKE3 hash of its content; the agent's Ed25519 signature verifies; ` +
    `it is leaf ${leafIndex} (seq ${view.seq}) of the Merkle tree of size ${sth.tree_size} whose root ` +
    `${sth.root} is signed by server key ${sth.server_key} (${pinNote}) at ${new Date(sth.timestamp).toISOString()}.`
  );
}
