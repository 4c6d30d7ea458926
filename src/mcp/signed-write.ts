/**
 * The write path of the MCP tools (SPEC §2.2, §3): sign in this process with
 * the agent's key, send over HTTP with `?proof=1`, and check the receipt before
 * answering — the id is the one computed here, the tree head's signature
 * verifies under the pinned server key, and the receipt's audit path leads
 * from this id (leaf seq − 1) to that tree head's root. A quarantined write
 * also fetches its reasons (SPEC §6). A refusal (4xx/5xx) propagates as the
 * SDK's StemeClientError, with its problem code, for `failure` to report.
 */
import { computeAssertionId } from "../client/assertion-id.ts";
import { inclusionProblem } from "../client/verify-proof.ts";
import type { JsonValue, UnsignedAssertion } from "../protocol/assertion.ts";
import { signAssertion } from "../protocol/sign.ts";
import type { McpContext } from "./mcp-context.ts";
import { toolFailure } from "./tool-result.ts";

export interface ClaimFields {
  concept: string;
  predicate: string;
  value: JsonValue;
  confidence?: number | undefined;
  evidence?: string[] | undefined;
  retracts?: string | undefined;
}

/** A write as the tools report it: the server's receipt, checked here. */
export interface WriteOutcome {
  id: string;
  status: "accepted" | "quarantined" | "duplicate" | "redacted";
  seq: number;
  /** Why the server quarantined it (only for status "quarantined"). */
  reasons?: string[];
  agent: string;
  ts: number;
  /** The receipt's signed tree head, verified here, and the leaf the audit path proved. */
  receipt: {
    verified: true;
    tree_size: number;
    root: string;
    server_key: string;
    timestamp: number;
    leaf_index: number;
  };
}

export async function signAndSend(ctx: McpContext, fields: ClaimFields): Promise<WriteOutcome> {
  if (ctx.key === undefined || ctx.agent === undefined) {
    throw toolFailure("read_only", "this session has no agent key (start it with --key FILE)");
  }
  const unsigned: UnsignedAssertion = {
    v: 1,
    concept: fields.concept,
    predicate: fields.predicate,
    value: fields.value,
    ts: ctx.now(),
    agent: ctx.agent,
  };
  if (fields.confidence !== undefined) unsigned.confidence = fields.confidence;
  if (fields.evidence !== undefined) unsigned.evidence = fields.evidence;
  if (fields.retracts !== undefined) unsigned.retracts = fields.retracts;
  const signed = signAssertion(unsigned, ctx.key.secretKey);
  const id = computeAssertionId(signed);

  const receipt = await ctx.client.assert(signed, { proof: true });
  if (receipt.id !== id) {
    throw toolFailure("bad_receipt", `the server answered for id ${receipt.id}, not ${id}`);
  }
  const sth = checkedTreeHead(ctx, receipt.sth, id, receipt.status);
  const leafIndex = receipt.seq - 1;
  const why = inclusionProblem(
    id,
    {
      leaf_index: leafIndex,
      tree_size: sth.tree_size,
      audit_path: receipt.audit_path ?? [],
      root: sth.root,
    },
    sth,
  );
  if (why !== undefined) {
    throw toolFailure(
      "bad_receipt",
      `the server says it recorded ${id} (${receipt.status}), but its receipt does not prove it: ${why}`,
    );
  }
  const outcome: WriteOutcome = {
    id,
    status: receipt.status,
    seq: receipt.seq,
    agent: ctx.agent,
    ts: unsigned.ts,
    receipt: {
      verified: true,
      tree_size: sth.tree_size,
      root: sth.root,
      server_key: sth.server_key,
      timestamp: sth.timestamp,
      leaf_index: leafIndex,
    },
  };
  if (receipt.status === "quarantined") {
    const view = await ctx.client.get(id);
    outcome.reasons = "reasons" in view ? (view.reasons ?? []) : [];
  }
  ctx.logger.info("mcp write", { id, status: receipt.status, seq: receipt.seq });
  return outcome;
}

/** The receipt's tree head once verified; the failure says the write itself may have happened. */
function checkedTreeHead(ctx: McpContext, sth: unknown, id: string, status: string) {
  try {
    return ctx.treeHeads.check(sth);
  } catch (e) {
    const why = (e as Error).message;
    throw toolFailure(
      "untrusted_tree_head",
      `the server says it recorded ${id} (${status}), but its receipt is not trusted: ${why}`,
    );
  }
}

/** The sentence a model reads about a write. */
export function describeWrite(what: string, o: WriteOutcome, pinNote: string): string {
  const head =
    o.status === "accepted"
      ? `Accepted: ${what}.`
      : o.status === "quarantined"
        ? `Quarantined (reasons: ${(o.reasons ?? []).join(", ") || "none given"}): ${what}. ` +
          "It is recorded durably but recall will not show it unless an operator releases it."
        : `Duplicate: ${what} was already recorded with exactly these fields.`;
  return (
    `${head}\nid ${o.id}, seq ${o.seq}.\n` +
    `Receipt verified locally: tree head of size ${o.receipt.tree_size} (root ${o.receipt.root}) ` +
    `signed by server key ${o.receipt.server_key} (${pinNote}); ` +
    `its audit path includes this id as leaf ${o.receipt.leaf_index}.`
  );
}
