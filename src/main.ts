/**
 * The `stemedb` binary's entry point (`bun build --compile src/main.ts`):
 * wires the CLI to the process. No logic lives here.
 */
import { processIo } from "./cli/cli-io.ts";
import { runCli } from "./cli/program.ts";

process.exitCode = await runCli(process.argv.slice(2), processIo());
