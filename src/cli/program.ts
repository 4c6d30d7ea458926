/**
 * The `stemedb` command line: one commander program, one subcommand per file
 * in this directory, and `runCli`, which runs it and turns every outcome into
 * an exit code — 0 success, 1 failure, 2 usage error (unknown command or flag,
 * bad or missing argument).
 */
import { Command } from "commander";
import { adminTokenCommand } from "./admin-token.ts";
import { archiveWalCommand } from "./archive-wal.ts";
import { assertCommand } from "./assert.ts";
import { backupCommand } from "./backup.ts";
import type { CliIo } from "./cli-io.ts";
import { drDrillCommand } from "./dr-drill.ts";
import { importCommand } from "./import.ts";
import { installUnitsCommand } from "./install-units.ts";
import { keygenCommand } from "./keygen.ts";
import { mcpCommand } from "./mcp.ts";
import { proofCommand } from "./proof.ts";
import { pruneCommand } from "./prune.ts";
import { queryCommand } from "./query.ts";
import { redactCommand } from "./redact.ts";
import { reportError } from "./report-error.ts";
import { restoreCommand } from "./restore.ts";
import { serveCommand } from "./serve.ts";
import { verifyCommand } from "./verify.ts";
import { VERSION, versionCommand } from "./version.ts";

const COMMANDS = [
  serveCommand,
  keygenCommand,
  assertCommand,
  queryCommand,
  importCommand,
  proofCommand,
  verifyCommand,
  backupCommand,
  restoreCommand,
  archiveWalCommand,
  drDrillCommand,
  pruneCommand,
  redactCommand,
  adminTokenCommand,
  installUnitsCommand,
  mcpCommand,
  versionCommand,
];

export function buildProgram(io: CliIo): Command {
  const program = new Command("stemedb")
    .description("StemeDB: a database of signed assertions for fleets of AI agents")
    .version(VERSION, "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(add --help for usage)")
    .addHelpText("after", "\nRun `stemedb <command> --help` for a command's options.\n");
  for (const make of COMMANDS) {
    const command = make(io);
    command.copyInheritedSettings(program);
    program.addCommand(command);
  }
  return program;
}

/** Runs `stemedb` with `argv` (the arguments after the program name); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    return reportError(e, io.stderr);
  }
}
