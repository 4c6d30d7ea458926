/**
 * `stemedb redact ID --reason CODE` (SPEC §12): signs a redaction with an
 * operator key — `{concept: "_stemedb/redactions", predicate: "redacts",
 * value: {target: ID, reason: CODE}}` — and posts it like any assertion. The
 * server answers once its state and segment log no longer hold the target;
 * the receipt is printed as JSON. `--wait` then waits while the server
 * reports a redaction scrub backlog (health `redactions`): its local one,
 * and the archive URL's where the server reports one.
 */
import { Command, Option } from "commander";
import { readAgentKeyFile } from "../client/key-file.ts";
import type { StemeClient } from "../client/steme-client.ts";
import { toHex } from "../hex.ts";
import { signAssertion } from "../protocol/sign.ts";
import {
  REASON_PATTERN,
  REDACTIONS_CONCEPT,
  REDACTS_PREDICATE,
} from "../redaction/redaction-shape.ts";
import { CliExit, type CliIo, usageError } from "./cli-io.ts";
import { clientConfig, keyOption, makeClient, parseHex32, urlOption } from "./cli-options.ts";

interface RedactOptions {
  url?: string;
  key?: string;
  reason: string;
  wait?: boolean;
  waitTimeoutS: number;
}

const POLL_MS = 500;

export function redactCommand(io: CliIo): Command {
  return new Command("redact")
    .description("remove an assertion's content for good, keeping every proof (operator keys only)")
    .argument("<id>", "id (64 hex) of the assertion to redact", parseHex32)
    .requiredOption(
      "--reason <code>",
      "why, as a code matching ^[a-z][a-z0-9_]{0,31}$ (e.g. personal_data); never personal data",
    )
    .addOption(urlOption())
    .addOption(keyOption("operator key file (its key needs role operator in the registry)"))
    .option("--wait", "after the answer, wait until the server reports no redaction scrub backlog")
    .addOption(
      new Option("--wait-timeout-s <n>", "give up waiting after this many seconds")
        .default(300)
        .argParser(Number),
    )
    .addHelpText(
      "after",
      '\nAn admin grants the role first: PUT /v1/agents/<key> {"role": "operator"}.\n' +
        "What goes, what stays and what verifiers see: ops/docs/redaction.md.\n" +
        "Exit codes: 0 redacted, 1 refused (the problem code is printed), 2 usage error.\n",
    )
    .action(async (id: string, options: RedactOptions) => {
      if (!REASON_PATTERN.test(options.reason)) {
        throw usageError("--reason must match ^[a-z][a-z0-9_]{0,31}$ (a code, not free text)");
      }
      const settings = clientConfig(options, io);
      if (settings.agentKey === undefined) throw usageError("--key is required to sign");
      const key = readAgentKeyFile(settings.agentKey);
      const client = makeClient(settings.url, io);
      const signed = signAssertion(
        {
          v: 1,
          concept: REDACTIONS_CONCEPT,
          predicate: REDACTS_PREDICATE,
          value: { target: id, reason: options.reason },
          ts: io.now(),
          agent: toHex(key.publicKey),
        },
        key.secretKey,
      );
      const receipt = await client.assert(signed);
      io.stdout(`${JSON.stringify(receipt, null, 2)}\n`);
      if (options.wait === true) await waitForScrub(client, io, options.waitTimeoutS * 1000);
    });
}

async function waitForScrub(client: StemeClient, io: CliIo, timeoutMs: number): Promise<void> {
  const until = io.now() + timeoutMs;
  for (;;) {
    const r = (await client.health()).redactions;
    if (r === undefined) {
      io.stderr("the server reports no redaction status; nothing to wait for\n");
      return;
    }
    const backlog = (r.local_backlog ?? 0) + (r.archive_backlog ?? 0);
    if (backlog === 0) {
      if (r.archive_backlog === null) {
        io.stderr(
          "scrubbed on the server; it reports no archive URL scrub (archive_backlog null)\n",
        );
      }
      return;
    }
    if (io.now() > until) throw new CliExit(1, `redaction scrub backlog still ${backlog}`);
    await Bun.sleep(POLL_MS);
  }
}
