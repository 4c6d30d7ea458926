/**
 * `stemedb proof ID`: audits one assertion without trusting the server. It
 * fetches the current signed tree head and the assertion's inclusion proof for
 * that tree size, then checks locally with the SDK (@noble/ed25519, RFC 9162
 * verifiers): the STH signature (against --server-key when pinned), and the
 * audit path from the assertion's leaf to the STH root. With --old-sth FILE (an
 * STH saved earlier, e.g. with --save-sth) it also fetches and checks the
 * consistency proof from that tree to the current one: the log was only
 * appended to. Exit 0 when every check passes, 1 when one fails.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import type { SignedTreeHead } from "../client/client-types.ts";
import { consistencyProblem, inclusionProblem } from "../client/verify-proof.ts";
import { treeHeadProblem } from "../client/verify-tree-head.ts";
import { CliExit, type CliIo, usageError } from "./cli-io.ts";
import {
  clientConfig,
  makeClient,
  parseCount,
  parseHex32,
  serverKeyOption,
  urlOption,
} from "./cli-options.ts";

interface ProofOptions {
  url?: string;
  serverKey?: string;
  oldSth?: string;
  fromSize?: number;
  saveSth?: string;
  json?: boolean;
}

export function proofCommand(io: CliIo): Command {
  return new Command("proof")
    .description("verify locally that an assertion is in the server's signed Merkle tree")
    .argument("<id>", "assertion id (64 hex)", parseHex32)
    .addOption(urlOption())
    .addOption(serverKeyOption())
    .option("--old-sth <file>", "an earlier STH (JSON): also verify the log only grew since")
    .addOption(
      new Option("--from-size <m>", "tree size of --old-sth (checked against it)").argParser(
        parseCount,
      ),
    )
    .option("--save-sth <file>", "save the verified current STH here, for a later --old-sth")
    .option("--json", "print the fetched STH and proofs as JSON after the checks")
    .addHelpText(
      "after",
      "\nChecks locally (@noble/ed25519, RFC 9162 verifiers): the STH signature, the audit\n" +
        "path to its root, and with --old-sth the consistency proof from that STH.\n" +
        "Exit codes: 0 every check passed, 1 a check failed or the server refused, 2 usage error.\n",
    )
    .action(async (id: string, options: ProofOptions) => {
      if (options.fromSize !== undefined && options.oldSth === undefined) {
        throw usageError("--from-size needs --old-sth FILE (the tree head of that size)");
      }
      const oldSth = options.oldSth === undefined ? undefined : readSth(options.oldSth);
      if (oldSth !== undefined && options.fromSize !== undefined) {
        if (oldSth.tree_size !== options.fromSize) {
          throw usageError(
            `--from-size ${options.fromSize} but --old-sth is for tree size ${oldSth.tree_size}`,
          );
        }
      }
      const settings = clientConfig(options, io);
      const client = makeClient(settings.url, io);
      const fail = (what: string, why: string): never => {
        io.stdout(`FAIL ${what}: ${why}\n`);
        throw new CliExit(1);
      };

      const sth = await client.root();
      // Pinned by --server-key, else by the old STH: the server must keep its key.
      const pinned = settings.serverKey ?? oldSth?.server_key;
      const pinNote =
        settings.serverKey !== undefined
          ? "pinned by --server-key"
          : oldSth !== undefined
            ? "the key of --old-sth"
            : "key not pinned: use --server-key";
      const sthProblem = treeHeadProblem(sth, pinned);
      if (sthProblem !== undefined) fail("tree head", sthProblem);
      io.stdout(
        `ok   tree head: size ${sth.tree_size}, root ${sth.root}, ${new Date(sth.timestamp).toISOString()}, ` +
          `signed by ${sth.server_key} (${pinNote})\n`,
      );

      const inclusion = await client.inclusionProof(id, sth.tree_size);
      const inclusionWhy = inclusionProblem(id, inclusion, sth);
      if (inclusionWhy !== undefined) fail("inclusion", inclusionWhy);
      io.stdout(
        `ok   inclusion: ${id} is leaf ${inclusion.leaf_index} (seq ${inclusion.leaf_index + 1}) of ${sth.tree_size}\n`,
      );

      let consistency: unknown;
      if (oldSth !== undefined) {
        const oldProblem = treeHeadProblem(oldSth, pinned);
        if (oldProblem !== undefined) fail("old tree head", oldProblem);
        if (oldSth.tree_size > sth.tree_size) {
          fail(
            "consistency",
            `the old tree head has size ${oldSth.tree_size}, larger than the current ${sth.tree_size}: the log shrank`,
          );
        }
        const proof = await client.consistencyProof(oldSth.tree_size, sth.tree_size);
        consistency = proof;
        const why = consistencyProblem(oldSth, sth, proof);
        if (why !== undefined) fail("consistency", why);
        io.stdout(
          `ok   consistency: the tree of size ${oldSth.tree_size} is a prefix of the tree of size ${sth.tree_size}\n`,
        );
      }
      if (options.saveSth !== undefined) {
        writeFileSync(options.saveSth, `${JSON.stringify(sth, null, 2)}\n`);
      }
      if (options.json) {
        io.stdout(`${JSON.stringify({ sth, inclusion, consistency }, null, 2)}\n`);
      }
      io.stdout("PASS\n");
    });
}

function readSth(path: string): SignedTreeHead {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw usageError(`--old-sth ${path}: ${(e as Error).message}`);
  }
  // Accept a bare STH or anything carrying one (a write receipt, a `proof --json` dump).
  const record = doc as Record<string, unknown> | null;
  const sth = (record?.sth ?? record) as SignedTreeHead | null;
  if (typeof sth !== "object" || sth === null || typeof sth.tree_size !== "number") {
    throw usageError(`--old-sth ${path} holds no signed tree head`);
  }
  return sth;
}
