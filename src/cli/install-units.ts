/**
 * `stemedb install-units [--dir DIR] [--env-file FILE] [--print]` (SPEC §8,
 * issue 18): puts the systemd units embedded in the binary (./unit-files.ts)
 * on the host, so the binary alone is enough to deploy. Units are written
 * (mode 0644) over what is there — they belong to the binary's version; local
 * changes go in drop-ins (`systemctl edit stemedb`). The environment file is
 * written only when absent (mode 0640): it holds the operator's settings.
 * `--print` writes nothing and prints every file with the path it would take.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Command } from "commander";
import type { CliIo } from "./cli-io.ts";
import { ENV_FILE_PATH, ENV_FILE_TEXT, UNIT_FILES } from "./unit-files.ts";

interface InstallUnitsOptions {
  dir: string;
  envFile: string;
  print?: boolean;
}

export function installUnitsCommand(io: CliIo): Command {
  return new Command("install-units")
    .description(
      "write the systemd units (and a starting environment file) embedded in this binary",
    )
    .option("--dir <dir>", "where the units go", "/etc/systemd/system")
    .option(
      "--env-file <file>",
      "where the environment file goes (only when absent)",
      ENV_FILE_PATH,
    )
    .option("--print", "print the files with their paths instead of writing them")
    .addHelpText(
      "after",
      "\nThe units expect the binary at /usr/local/bin/stemedb and the data dir at /var/lib/stemedb\n" +
        "(ops/docs/deployment.md). Exit codes: 0 installed, 1 failed, 2 usage error.\n",
    )
    .action((options: InstallUnitsOptions) => {
      const files: [string, string, number][] = [
        ...Object.entries(UNIT_FILES).map(([name, text]): [string, string, number] => [
          join(options.dir, name),
          text,
          0o644,
        ]),
        [options.envFile, ENV_FILE_TEXT, 0o640],
      ];
      if (options.print) {
        for (const [path, text] of files) io.stdout(`# ==> ${path} <==\n${text}\n`);
        return;
      }
      for (const [path, text, mode] of files) {
        const isEnv = path === options.envFile;
        if (existsSync(path) && isEnv) {
          io.stdout(
            `kept     ${path} (your settings; the shipped one: stemedb install-units --print)\n`,
          );
          continue;
        }
        const same = existsSync(path) && readFileSync(path, "utf8") === text;
        if (!same) {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, text, { mode });
        }
        io.stdout(`${same ? "same    " : "wrote   "} ${path}\n`);
      }
      io.stdout(
        `next: edit ${options.envFile} (BACKUP_URL, AWS_REGION, what differs from the defaults), then\n` +
          "  systemctl daemon-reload && systemctl enable --now stemedb.service\n",
      );
    });
}
