/**
 * `stemedb query`: runs a lens query (SPEC §4) and prints a readable table,
 * or the server's JSON with --json for scripts. One row per key for the
 * latest, consensus and trust lenses; one per assertion for `all`.
 */
import { Command, Option } from "commander";
import type {
  AssertionResult,
  KeyResult,
  LensName,
  MatchKind,
  QueryResponse,
} from "../client/client-types.ts";
import { type CliIo, usageError } from "./cli-io.ts";
import {
  clientConfig,
  makeClient,
  parseCount,
  parsePositive,
  parseUnit,
  urlOption,
} from "./cli-options.ts";
import { formatTable, shortHex, valueCell } from "./format-table.ts";

interface QueryOptions {
  url?: string;
  concept?: string;
  match?: MatchKind;
  predicate?: string;
  agent?: string;
  lens?: LensName;
  asOf?: number;
  minConfidence?: number;
  limit?: number;
  cursor?: string;
  json?: boolean;
}

export function queryCommand(io: CliIo): Command {
  return new Command("query")
    .description("query assertions through a lens (latest, consensus, trust, all)")
    .addOption(urlOption())
    .option("--concept <path>", "concept path to match")
    .addOption(
      new Option("--match <kind>", "how --concept matches").choices(["exact", "prefix", "tail"]),
    )
    .option("--predicate <name>", "predicate")
    .option("--agent <key>", "agent public key (64 hex)")
    .addOption(
      new Option("--lens <lens>", "conflict resolution").choices([
        "latest",
        "consensus",
        "trust",
        "all",
      ]),
    )
    .addOption(new Option("--as-of <tree_size>", "look at the past").argParser(parseCount))
    .addOption(
      new Option("--min-confidence <c>", "drop assertions below this").argParser(parseUnit),
    )
    .addOption(new Option("--limit <n>", "results per page (≤ 1000)").argParser(parsePositive))
    .option("--cursor <cursor>", "next page (the previous answer's next_cursor)")
    .option("--json", "print the server's JSON answer")
    .addHelpText("after", "\nAt least one of --concept, --predicate, --agent is required.\n")
    .action(async (options: QueryOptions) => {
      if (
        options.concept === undefined &&
        options.predicate === undefined &&
        options.agent === undefined
      ) {
        throw usageError("give at least one of --concept, --predicate, --agent");
      }
      const answer = await makeClient(clientConfig(options, io).url, io).query({
        concept: options.concept,
        match: options.match,
        predicate: options.predicate,
        agent: options.agent,
        lens: options.lens,
        as_of: options.asOf,
        min_confidence: options.minConfidence,
        limit: options.limit,
        cursor: options.cursor,
      });
      io.stdout(options.json ? `${JSON.stringify(answer, null, 2)}\n` : renderQuery(answer));
    });
}

/** The human rendering of a query answer. */
export function renderQuery(answer: QueryResponse): string {
  const results = answer.results ?? [];
  let table: string;
  if (answer.lens === "all") {
    table = formatTable(
      ["SEQ", "TS", "CONCEPT", "PREDICATE", "VALUE", "CONF", "AGENT", "STATUS"],
      (results as AssertionResult[]).map((r) => [
        String(r.seq),
        new Date(r.ts).toISOString(),
        r.concept,
        r.predicate,
        valueCell(r.value),
        String(r.confidence),
        shortHex(r.agent),
        r.status,
      ]),
    );
  } else {
    table = formatTable(
      ["CONCEPT", "PREDICATE", "VALUE", "CONF", "AGREEMENT", "AGENTS", "ALTERNATIVES"],
      (results as KeyResult[]).map((r) => [
        r.concept,
        r.predicate,
        valueCell(r.value),
        round(r.confidence),
        round(r.agreement),
        String(r.agents?.length ?? 0),
        r.conflict ? (r.alternatives ?? []).map((a) => valueCell(a.value)).join(", ") : "-",
      ]),
    );
  }
  const lines = [
    results.length === 0 ? "(no results)" : table,
    "",
    `lens ${answer.lens}, ${results.length} result(s), tree_size ${answer.tree_size}, root ${shortHex(answer.root ?? "")}`,
  ];
  if (answer.next_cursor) lines.push(`more: --cursor ${answer.next_cursor}`);
  return `${lines.join("\n")}\n`;
}

function round(n: number | undefined): string {
  return n === undefined ? "" : String(Math.round(n * 1000) / 1000);
}
