/** The recall text a model reads: conflicts spelled out, lists cut, paging and as_of said. */
import { describe, expect, test } from "bun:test";
import type { KeyResult, QueryResponse } from "../../../src/client/client-types.ts";
import { formatRecall } from "../../../src/mcp/format-recall.ts";

const hex = (c: string) => c.repeat(64);
const base = {
  tree_size: 9,
  root: hex("f"),
  as_of_scope: "assertions" as const,
  next_cursor: null,
};

function keyResult(fields: Partial<KeyResult>): KeyResult {
  return {
    concept: "acme/db",
    predicate: "owner",
    value: "team-blue",
    confidence: 0.8,
    support: [hex("1")],
    agents: [hex("a")],
    conflict: false,
    agreement: 1,
    alternatives: [],
    ...fields,
  };
}

describe("formatRecall", () => {
  test("no results says what recall never shows", () => {
    const text = formatRecall({ ...base, lens: "latest", results: [] }, undefined);
    expect(text).toStartWith(
      "Recall through the latest lens (the newest claim wins, whatever the weights), tree size 9",
    );
    expect(text).toContain("0 results.");
    expect(text).toContain("Quarantined, rejected and retracted claims are never shown");
    expect(text).not.toContain("call verify");
  });

  test("a conflict: agreement, the winner's weight, each alternative; long lists cut", () => {
    const answer: QueryResponse = {
      ...base,
      lens: "consensus",
      results: [
        keyResult({
          value: { team: "blue" },
          conflict: true,
          agreement: 0.5,
          agents: ["a", "b", "c", "d", "e"].map(hex),
          support: ["1", "2", "3", "4", "5"].map(hex),
          alternatives: [
            { value: "red", weight: 1.5, support: [hex("6")], agents: [hex("9")] },
            {
              value: null,
              weight: 0.5,
              support: [hex("7"), hex("8")],
              agents: [hex("7"), hex("8")],
            },
          ],
        }),
      ],
      next_cursor: "c2",
    };
    const lines = formatRecall(answer, 4).split("\n");
    expect(lines[0]).toBe(
      `Recall through the consensus lens (the value with the most confidence-weighted support wins), as of tree size 4, root ${hex("f")}: 1 result.`,
    );
    expect(lines.slice(2, 7)).toEqual([
      '1. acme/db · owner = {"team":"blue"} (confidence 0.8)',
      "   CONFLICT: 3 values; agreement 0.5 (the winning value's share of the total weight).",
      `   winning {"team":"blue"}: weight 2, 5 agents: ${hex("a")}, ${hex("b")}, ${hex("c")} and 2 more; assertions: ${hex("1")}, ${hex("2")}, ${hex("3")} and 2 more`,
      `   alternative "red": weight 1.5, 1 agent: ${hex("9")}; assertion: ${hex("6")}`,
      `   alternative null: weight 0.5, 2 agents: ${hex("7")}, ${hex("8")}; assertions: ${hex("7")}, ${hex("8")}`,
    ]);
    const text = lines.join("\n");
    expect(text).toContain('More results: call recall again with cursor "c2".');
    expect(text).toContain("as_of looks at assertions only");
    expect(text).toContain("call verify with an assertion id");
  });

  test("all: one line pair per claim, with agent, time, seq and id", () => {
    const text = formatRecall(
      {
        ...base,
        lens: "all",
        results: [
          {
            id: hex("1"),
            concept: "acme/db",
            predicate: "owner",
            value: "x".repeat(300),
            confidence: 1,
            agent: hex("a"),
            ts: 1_767_225_600_000,
            seq: 3,
            status: "released",
          },
        ],
      },
      undefined,
    );
    expect(text).toContain(`1. acme/db · owner = "${"x".repeat(198)}… (confidence 1)`);
    expect(text).toContain(
      `   by agent ${hex("a")} at 2026-01-01T00:00:00.000Z, seq 3, released, id ${hex("1")}`,
    );
  });
});
