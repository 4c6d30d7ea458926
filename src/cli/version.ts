/**
 * `stemedb version`: prints the version from package.json, which the bundler
 * embeds at build time (the compiled binary reads no file at run time).
 */
import { Command } from "commander";
import pkg from "../../package.json" with { type: "json" };
import type { CliIo } from "./cli-io.ts";

export const VERSION: string = pkg.version;

export function versionCommand(io: CliIo): Command {
  return new Command("version").description("print the StemeDB version").action(() => {
    io.stdout(`stemedb ${VERSION}\n`);
  });
}
