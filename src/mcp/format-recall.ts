/**
 * The text a language model reads for a recall answer (SPEC §4): one block per
 * key with the winning value and, when agents disagree, the conflict spelled
 * out — agreement, the winning group's weight and agents, and each
 * alternative with its weight and agents. Ids are written in full so the model
 * can pass them to `verify` or cite them as evidence; long lists are cut, the
 * structured content has them all.
 */
import type { AssertionResult, KeyResult, QueryResponse } from "../client/client-types.ts";
import { formatValue, round3 } from "./format-value.ts";

const MAX_LISTED = 3;

const LENS_RULE: Record<QueryResponse["lens"], string> = {
  latest: "the newest claim wins, whatever the weights",
  consensus: "the value with the most confidence-weighted support wins",
  trust:
    "the value with the most support, each claim weighted by confidence × its agent's trust, wins",
  all: "every visible claim, newest first",
};

export function formatRecall(answer: QueryResponse, asOf: number | undefined): string {
  const results = answer.results ?? [];
  const when = asOf === undefined ? `tree size ${answer.tree_size}` : `as of tree size ${asOf}`;
  const lines = [
    `Recall through the ${answer.lens} lens (${LENS_RULE[answer.lens]}), ${when}, root ${answer.root}: ` +
      `${results.length} result${results.length === 1 ? "" : "s"}.`,
  ];
  if (results.length === 0) {
    lines.push(
      "No visible claims match. Quarantined, rejected and retracted claims are never shown; history shows every claim.",
    );
  }
  results.forEach((r, i) => {
    lines.push("");
    if (answer.lens === "all") lines.push(...assertionBlock(i + 1, r as AssertionResult));
    else lines.push(...keyBlock(i + 1, r as KeyResult));
  });
  if (answer.next_cursor) {
    lines.push("", `More results: call recall again with cursor "${answer.next_cursor}".`);
  }
  if (asOf !== undefined) {
    lines.push(
      "",
      "as_of looks at assertions only: agent trust and quarantine reviews are taken as they are now.",
    );
  }
  if (results.length > 0) {
    lines.push("", "To prove what you read, call verify with an assertion id listed above.");
  }
  return lines.join("\n");
}

function keyBlock(n: number, r: KeyResult): string[] {
  const out = [
    `${n}. ${r.concept} · ${r.predicate} = ${formatValue(r.value)} (confidence ${round3(r.confidence)})`,
  ];
  const alternatives = r.alternatives ?? [];
  if (!r.conflict || alternatives.length === 0) {
    out.push(`   No conflict: ${group(r.agents, r.support)}.`);
    return out;
  }
  const altWeight = alternatives.reduce((s, a) => s + a.weight, 0);
  const winWeight = r.agreement < 1 ? (r.agreement * altWeight) / (1 - r.agreement) : undefined;
  out.push(
    `   CONFLICT: ${alternatives.length + 1} values; agreement ${round3(r.agreement)} ` +
      `(the winning value's share of the total weight).`,
    `   winning ${formatValue(r.value)}: ${winWeight === undefined ? "" : `weight ${round3(winWeight)}, `}${group(r.agents, r.support)}`,
  );
  for (const a of alternatives) {
    out.push(
      `   alternative ${formatValue(a.value)}: weight ${round3(a.weight)}, ${group(a.agents, a.support)}`,
    );
  }
  return out;
}

function assertionBlock(n: number, r: AssertionResult): string[] {
  return [
    `${n}. ${r.concept} · ${r.predicate} = ${formatValue(r.value)} (confidence ${round3(r.confidence)})`,
    `   by agent ${r.agent} at ${new Date(r.ts).toISOString()}, seq ${r.seq}, ${r.status}, id ${r.id}`,
  ];
}

/** "2 agents: k1, k2; assertions: id1, id2", lists cut after MAX_LISTED. */
function group(agents: readonly string[], support: readonly string[]): string {
  return (
    `${agents.length} agent${agents.length === 1 ? "" : "s"}: ${list(agents)}; ` +
    `assertion${support.length === 1 ? "" : "s"}: ${list(support)}`
  );
}

function list(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(", ");
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}
