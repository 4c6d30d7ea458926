/**
 * `history`: every claim ever recorded on one (concept, predicate), in log
 * order, with its status — including quarantined and rejected ones and
 * retractions, which recall never shows (SPEC §3 `/v1/history`).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";
import type { HistoryResponse, StoredAssertionView } from "../client/client-types.ts";
import { formatValue } from "./format-value.ts";
import type { McpContext } from "./mcp-context.ts";
import * as field from "./tool-fields.ts";
import { answer, guarded } from "./tool-result.ts";

const output = {
  concept: z.string(),
  predicate: z.string(),
  items: z
    .array(
      z.looseObject({
        id: z.string(),
        seq: z.number().int(),
        status: z.string(),
        received_at: z.number().int(),
        assertion: z.looseObject({ agent: z.string(), ts: z.number(), value: z.unknown() }),
      }),
    )
    .describe("every assertion on the key, in seq order, exactly as signed, with status"),
  tree_size: z.number().int(),
  next_cursor: z.string().nullable(),
};

export function registerHistoryTool(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "history",
    {
      title: "History of one key",
      description:
        "Every claim ever recorded for one concept and predicate, oldest first, with who made it, when, its " +
        "value and confidence, and its status (accepted, quarantined, released, rejected) — including " +
        "retractions and quarantined claims that recall hides. Use it to see how a fact changed over time or " +
        "why recall answers what it does.",
      inputSchema: {
        concept: field.concept.describe("The exact concept path, e.g. 'acme/payments/checkout'."),
        predicate: field.predicate,
        limit: field.limit.optional().describe("Claims per answer, 1-1000 (default 100)."),
        cursor: field.cursor.optional(),
      },
      outputSchema: output,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded(ctx, async (args) => {
      const response = await ctx.client.history(args);
      return answer(response, formatHistory(response));
    }),
  );
}

export function formatHistory(h: HistoryResponse): string {
  const lines = [
    `History of ${h.concept} · ${h.predicate}: ${h.items.length} claim${h.items.length === 1 ? "" : "s"} (tree size ${h.tree_size}).`,
  ];
  for (const item of h.items) lines.push(itemLine(item));
  if (h.next_cursor) lines.push(`More: call history again with cursor "${h.next_cursor}".`);
  return lines.join("\n");
}

function itemLine(item: StoredAssertionView): string {
  const a = item.assertion;
  const what =
    a.retracts === undefined
      ? `${formatValue(a.value)} (confidence ${a.confidence ?? 1})`
      : `RETRACTS ${a.retracts}`;
  const reasons = item.reasons === undefined ? "" : ` (${item.reasons.join(", ")})`;
  return (
    `seq ${item.seq} · ${new Date(a.ts).toISOString()} · agent ${a.agent} · ${what} · ` +
    `${item.status}${reasons} · id ${item.id}`
  );
}
