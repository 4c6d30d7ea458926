/**
 * `recall`: a lens query (SPEC §4) for a language model. The structured
 * content is the server's answer as is; the text (format-recall.ts) spells
 * out each conflict so the model sees disagreement rather than one value.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";
import { formatRecall } from "./format-recall.ts";
import type { McpContext } from "./mcp-context.ts";
import * as field from "./tool-fields.ts";
import { answer, guarded } from "./tool-result.ts";

const alternative = z.object({
  value: z.unknown(),
  weight: z.number(),
  support: z.array(z.string()),
  agents: z.array(z.string()),
});

const output = {
  lens: z.enum(["latest", "consensus", "trust", "all"]),
  tree_size: z.number().int().describe("the tree size the answer reflects"),
  root: z.string().describe("the Merkle root at that size"),
  as_of_scope: z.literal("assertions"),
  results: z
    .array(
      z.looseObject({
        concept: z.string(),
        predicate: z.string(),
        value: z.unknown(),
        confidence: z.number(),
        agents: z.array(z.string()).optional(),
        support: z.array(z.string()).optional(),
        conflict: z.boolean().optional(),
        agreement: z.number().optional(),
        alternatives: z.array(alternative).optional(),
      }),
    )
    .describe(
      "latest/consensus/trust: one result per (concept, predicate) with value, agreement, conflict, " +
        "support (ids), agents and alternatives; all: one result per claim with id, agent, ts, seq",
    ),
  next_cursor: z.string().nullable(),
};

export function registerRecallTool(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "recall",
    {
      title: "Recall what agents claimed",
      description:
        "Look up claims in StemeDB and resolve disagreements between agents through a lens. Give at least one " +
        "of concept, predicate, agent. Each (concept, predicate) answers one value and says whether agents " +
        "disagree: agreement (the winning value's share of the weight), and every alternative value with its " +
        "weight and the agents behind it. Lenses: 'latest' (default) = the newest claim wins; 'consensus' = " +
        "the value with the most confidence-weighted support wins; 'trust' = like consensus, weighted by each " +
        "agent's trust; 'all' = every claim, newest first. Use as_of (a tree size, e.g. from an earlier answer) " +
        "to see what was known then. Quarantined and retracted claims are not shown; call verify with an id to " +
        "prove a claim is in the server's signed log.",
      inputSchema: {
        concept: field.concept.optional(),
        match: z
          .enum(["exact", "prefix", "tail"])
          .optional()
          .describe(
            "How concept matches: 'exact' (default); 'prefix' = the concept and everything under it " +
              "('acme/payments' matches 'acme/payments/checkout'); 'tail' = concepts ending in these whole " +
              "segments ('checkout' matches 'acme/payments/checkout').",
          ),
        predicate: field.predicate.optional(),
        agent: field.agentKey.optional().describe("Only claims by this agent (64 hex public key)."),
        lens: z
          .enum(["latest", "consensus", "trust", "all"])
          .optional()
          .describe("How to resolve disagreement (default 'latest'); see the tool description."),
        as_of: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe(
            "Look at the past: only claims recorded while the log had at most this many entries " +
              "(a tree_size from an earlier answer).",
          ),
        min_confidence: field.confidence
          .optional()
          .describe("Ignore claims whose confidence is below this (0 to 1)."),
        limit: field.limit
          .optional()
          .describe("Results per answer, 1-1000 (default 100): keys, or claims for 'all'."),
        cursor: field.cursor.optional(),
      },
      outputSchema: output,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded(ctx, async (args) => {
      const response = await ctx.client.query(args);
      return answer(response, formatRecall(response, args.as_of));
    }),
  );
}
