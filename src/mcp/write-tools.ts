/**
 * The two write tools, registered only when the session holds an agent key:
 * `assert` (sign and record a claim) and `retract` (withdraw one of the
 * agent's own claims, SPEC §2.1 `retracts`). Both sign in this process and
 * check the server's receipt before answering (signed-write.ts).
 */

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";
import { isRedactedView } from "../client/verify-assertion.ts";
import type { JsonValue } from "../protocol/assertion.ts";
import { formatValue } from "./format-value.ts";
import type { McpContext } from "./mcp-context.ts";
import { describeWrite, signAndSend } from "./signed-write.ts";
import * as field from "./tool-fields.ts";
import { answer, guarded, toolFailure } from "./tool-result.ts";

/** The structured answer of assert and retract (signed-write.ts `WriteOutcome`). */
const writeOutput = {
  id: z.string().describe("the assertion's id (BLAKE3 of its canonical bytes)"),
  status: z.enum(["accepted", "quarantined", "duplicate"]),
  seq: z.number().int().describe("its position in the log; it is leaf seq-1 of the Merkle tree"),
  reasons: z.array(z.string()).optional().describe("why it was quarantined"),
  agent: z.string().describe("the agent key that signed it (this session's)"),
  ts: z.number().int().describe("claim time, ms since the Unix epoch"),
  receipt: z
    .object({
      verified: z.literal(true),
      tree_size: z.number().int(),
      root: z.string(),
      server_key: z.string(),
      timestamp: z.number().int(),
      leaf_index: z.number().int(),
    })
    .describe("the signed tree head of the receipt, verified locally, and the leaf it proves"),
};

export function registerWriteTools(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "assert",
    {
      title: "Assert a claim",
      description:
        "Record a claim in StemeDB, signed with this agent's key: '<concept> has <predicate> = <value>'. " +
        "Use it for facts you observed or concluded that other agents (or you, later) should be able to recall. " +
        "Each agent's newest claim on a (concept, predicate) replaces its earlier ones in recall; other agents " +
        "may disagree, and recall shows the conflict. The answer says accepted, quarantined (recorded but hidden " +
        "from recall, with the reasons) or duplicate, gives the assertion id (cite it as evidence, or retract it " +
        "later), and confirms the server's signed receipt was verified here.",
      inputSchema: {
        concept: field.concept,
        predicate: field.predicate,
        value: field.jsonValue,
        confidence: field.confidence.optional(),
        evidence: field.evidence.optional(),
      },
      outputSchema: writeOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    },
    guarded(ctx, async (args) => {
      // MCP arguments arrive as JSON, so the value is JSON by construction.
      const outcome = await signAndSend(ctx, { ...args, value: args.value as JsonValue });
      const what = `${args.concept} ${args.predicate} = ${formatValue(args.value)}${
        args.confidence === undefined ? "" : ` (confidence ${args.confidence})`
      }`;
      return answer(outcome, describeWrite(what, outcome, ctx.treeHeads.how));
    }),
  );

  server.registerTool(
    "retract",
    {
      title: "Retract one of your claims",
      description:
        "Withdraw a claim this agent made earlier, by its id (from assert, recall or history). Only your own " +
        "assertions can be retracted. The retraction is itself a signed, recorded assertion: history keeps both, " +
        "recall stops counting the withdrawn claim. To correct a value, assert the new value instead: your " +
        "newest claim already replaces your older ones.",
      inputSchema: {
        id: field.assertionId.describe("The id (64 hex) of your assertion to withdraw."),
        evidence: field.evidence.optional(),
      },
      outputSchema: writeOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    guarded(ctx, async (args) => {
      const view = await ctx.client.get(args.id);
      if (isRedactedView(view)) {
        throw toolFailure("target_redacted", `assertion ${args.id} is redacted (SPEC §12)`, "id");
      }
      const target = view.assertion;
      if (target.agent !== ctx.agent) {
        throw toolFailure(
          "not_owner",
          `assertion ${args.id} was made by agent ${target.agent}; this session is agent ${ctx.agent} ` +
            "and can retract only its own assertions",
          "id",
        );
      }
      if (target.retracts !== undefined) {
        throw toolFailure("invalid_field", `assertion ${args.id} is itself a retraction`, "id");
      }
      const outcome = await signAndSend(ctx, {
        concept: target.concept,
        predicate: target.predicate,
        value: null,
        retracts: args.id,
        evidence: args.evidence,
      });
      const what = `retraction of ${args.id} (${target.concept} ${target.predicate} = ${formatValue(target.value)})`;
      return answer(outcome, describeWrite(what, outcome, ctx.treeHeads.how));
    }),
  );
}
