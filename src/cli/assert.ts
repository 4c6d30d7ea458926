/**
 * `stemedb assert`: signs one claim with an agent key (through the SDK, i.e.
 * @noble/ed25519) and sends it; prints the server's receipt as JSON. The
 * assertion comes from flags (--concept, --predicate, --value as JSON, …) or,
 * without them, from stdin: a signed assertion (sent as is), an unsigned one
 * (signed with --key; `v`, `agent` and `ts` filled in when absent), or an array
 * of either (sent as a batch). A server error exits 1 naming its problem code;
 * a batch with a rejected item exits 1 too.
 */
import { Command, Option } from "commander";
import { readAgentKeyFile } from "../client/key-file.ts";
import { toHex } from "../hex.ts";
import type { Assertion, JsonValue, UnsignedAssertion } from "../protocol/assertion.ts";
import type { AgentKey } from "../protocol/sign.ts";
import { signAssertion } from "../protocol/sign.ts";
import { CliExit, type CliIo, usageError } from "./cli-io.ts";
import {
  clientConfig,
  collect,
  keyOption,
  makeClient,
  parseHex32,
  parseUnit,
  urlOption,
} from "./cli-options.ts";
import { readText } from "./read-text.ts";

interface AssertOptions {
  url?: string;
  key?: string;
  concept?: string;
  predicate?: string;
  value?: string;
  confidence?: number;
  evidence?: string[];
  retracts?: string;
  ts?: string;
  proof?: boolean;
}

export function assertCommand(io: CliIo): Command {
  return new Command("assert")
    .description("sign an assertion with an agent key and send it")
    .addOption(urlOption())
    .addOption(keyOption("agent key file (from `stemedb keygen --out`)"))
    .option("--concept <path>", "concept path, e.g. acme/payments/checkout")
    .option("--predicate <name>", "predicate, e.g. status")
    .option("--value <json>", "the value as JSON, e.g. '\"degraded\"' or '{\"p99_ms\":812}'")
    .addOption(new Option("--confidence <c>", "confidence between 0 and 1").argParser(parseUnit))
    .option("--evidence <item>", "evidence URL or assertion id (repeatable)", collect)
    .addOption(
      new Option(
        "--retracts <id>",
        "withdraw an earlier assertion of yours (value must be null)",
      ).argParser(parseHex32),
    )
    .option("--ts <ms>", "claim time in ms since the epoch (default: now)")
    .option("--proof", "also ask for the assertion's audit path in the receipt")
    .addHelpText(
      "after",
      "\nWithout --concept/--predicate/--value, reads a JSON assertion (or an array) from stdin:\n" +
        "signed ones are sent as they are; unsigned ones are signed with --key.\n" +
        "Exit codes: 0 recorded (accepted, quarantined or duplicate), 1 refused, 2 usage error.\n",
    )
    .action(async (options: AssertOptions) => {
      const settings = clientConfig(options, io);
      const key = settings.agentKey === undefined ? undefined : readAgentKeyFile(settings.agentKey);
      const client = makeClient(settings.url, io);
      const fromFlags = [options.concept, options.predicate, options.value].some(
        (x) => x !== undefined,
      );
      if (fromFlags) {
        const signed = signWith(key, buildFromFlags(options, key, io));
        const receipt = await client.assert(signed, { proof: options.proof === true });
        io.stdout(`${JSON.stringify(receipt, null, 2)}\n`);
        return;
      }
      if (io.stdinIsTTY) {
        throw usageError(
          "give --concept, --predicate and --value, or pipe a JSON assertion to stdin",
        );
      }
      const input = parseJson(await readText(io.stdin()), "stdin");
      if (Array.isArray(input)) {
        const receipt = await client.assert(input.map((item) => complete(item, key, io)));
        io.stdout(`${JSON.stringify(receipt, null, 2)}\n`);
        if (receipt.rejected > 0) throw new CliExit(1, `${receipt.rejected} item(s) rejected`);
        return;
      }
      const receipt = await client.assert(complete(input, key, io), {
        proof: options.proof === true,
      });
      io.stdout(`${JSON.stringify(receipt, null, 2)}\n`);
    });
}

function buildFromFlags(options: AssertOptions, key: AgentKey | undefined, io: CliIo) {
  for (const name of ["concept", "predicate", "value"] as const) {
    if (options[name] === undefined) throw usageError(`--${name} is required with flags`);
  }
  if (key === undefined) throw usageError("--key is required to sign the assertion");
  const unsigned: UnsignedAssertion = {
    v: 1,
    concept: options.concept as string,
    predicate: options.predicate as string,
    value: parseJson(options.value as string, "--value") as JsonValue,
    ts: options.ts === undefined ? io.now() : parseTs(options.ts),
    agent: toHex(key.publicKey),
  };
  if (options.confidence !== undefined) unsigned.confidence = options.confidence;
  if (options.evidence !== undefined) unsigned.evidence = options.evidence;
  if (options.retracts !== undefined) unsigned.retracts = options.retracts;
  return unsigned;
}

/** Signs an object from stdin unless it already carries `sig`. */
function complete(item: unknown, key: AgentKey | undefined, io: CliIo): Assertion {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw usageError("stdin must hold a JSON assertion object or an array of them");
  }
  const record = item as Record<string, unknown>;
  if (record.sig !== undefined) return record as unknown as Assertion;
  if (key === undefined) throw usageError("an unsigned assertion needs --key to be signed");
  const unsigned = {
    ...record,
    v: record.v ?? 1,
    agent: record.agent ?? toHex(key.publicKey),
    ts: record.ts ?? io.now(),
  } as UnsignedAssertion;
  return signWith(key, unsigned);
}

function signWith(key: AgentKey | undefined, unsigned: UnsignedAssertion): Assertion {
  if (key === undefined) throw usageError("--key is required to sign the assertion");
  try {
    return signAssertion(unsigned, key.secretKey);
  } catch (e) {
    throw usageError((e as Error).message);
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw usageError(
      `${where} is not valid JSON (${(e as Error).message}); a string value needs quotes: '"text"'`,
    );
  }
}

function parseTs(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw usageError("--ts must be an integer number of ms since the Unix epoch");
  }
  return n;
}
