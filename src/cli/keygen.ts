/**
 * `stemedb keygen [--out FILE]`: makes a fresh agent key (Ed25519, RFC 8032
 * seed from the CSPRNG). With --out it writes the key file (mode 0600, never
 * over an existing file) and prints the public key, the agent's identity in
 * every assertion. Without --out it prints the key file's JSON to stdout, for
 * a secrets manager to capture.
 */
import { Command } from "commander";
import { formatAgentKey, writeAgentKeyFile } from "../client/key-file.ts";
import { toHex } from "../hex.ts";
import { generateAgentKey } from "../protocol/sign.ts";
import type { CliIo } from "./cli-io.ts";

export function keygenCommand(io: CliIo): Command {
  return new Command("keygen")
    .description("generate an agent key (Ed25519)")
    .option("--out <file>", "write the key file here (mode 0600) and print the public key")
    .addHelpText(
      "after",
      '\nKey file: {"secret_key": "<64 hex>", "public_key": "<64 hex>"}. Without --out the\n' +
        "file's content goes to stdout.\n",
    )
    .action((options: { out?: string }) => {
      const key = generateAgentKey();
      if (options.out === undefined) {
        io.stdout(formatAgentKey(key));
        return;
      }
      writeAgentKeyFile(options.out, key);
      io.stdout(`${toHex(key.publicKey)}\n`);
    });
}
