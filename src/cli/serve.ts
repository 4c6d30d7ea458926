/**
 * `stemedb serve`: runs the server. Its flags are generated from the settings
 * table in src/config.ts (one flag per setting, named by `flagName`, its
 * environment variable by `envName`), and the flags and environment go through
 * `parseConfig`, the one config parser (flags > STEMEDB_* env > defaults,
 * SPEC §1). Prints the URL it listens on as one line on stdout, so scripts and
 * tests can find a port chosen with --port 0. SIGTERM or SIGINT drains
 * in-flight writes (the server's `stop()`) and exits 0.
 */
import { Command, Option } from "commander";
import { envName, flagName, parseConfig, SETTINGS, type SettingKey } from "../config.ts";
import { installSignalHandlers, startServer } from "../http/server.ts";
import { jsonLogger } from "../logger.ts";
import { CliExit, type CliIo } from "./cli-io.ts";
import { VERSION } from "./version.ts";

const SECRET_SETTINGS: ReadonlySet<string> = new Set(["adminToken"]);

function settingHelp(key: string): string {
  const setting = SETTINGS[key as SettingKey];
  const shown =
    setting.default === undefined || SECRET_SETTINGS.has(key) ? "" : `, default ${setting.default}`;
  return `${setting.doc} (env ${envName(key)}${shown})`;
}

export function serveCommand(io: CliIo): Command {
  const cmd = new Command("serve").description(
    "run the StemeDB server (settings: flags, then STEMEDB_* environment, then defaults)",
  );
  for (const [key, setting] of Object.entries(SETTINGS)) {
    cmd.addOption(new Option(`--${flagName(key)} <value>`, settingHelp(key)));
    // A setting's old name stays a flag, hidden from the help.
    const old = (setting as { alias?: string }).alias;
    if (old !== undefined) cmd.addOption(new Option(`--${flagName(old)} <value>`).hideHelp());
  }
  cmd.addHelpText(
    "after",
    "\nEach setting: flag, else its STEMEDB_* environment variable, else the default.\n" +
      'On start it prints "stemedb <version> listening on <url>" to stdout.\n' +
      "SIGTERM/SIGINT drain in-flight writes and exit 0.\n",
  );
  cmd.action(async (options: Record<string, string | undefined>) => {
    const flags: Partial<Record<SettingKey, unknown>> = {};
    for (const [key, setting] of Object.entries(SETTINGS) as [SettingKey, { alias?: string }][]) {
      const value =
        options[key] ?? (setting.alias === undefined ? undefined : options[setting.alias]);
      if (value !== undefined) flags[key] = value;
    }
    const config = parseConfig(flags, io.env);
    const logger = jsonLogger(config.logLevel, io.stderr);
    // The archive target gets the CLI's environment (AWS_* for S3, SPEC §7).
    const server = await startServer(config, logger, { archiveEnv: io.env });
    // SIGTERM/SIGINT → stop() (drains in-flight writes) → 0, or 1 if stopping failed.
    // Installed before the URL is printed: whoever reads it may signal at once.
    const stopped = new Promise<number>((resolve) => {
      installSignalHandlers(server, logger, resolve);
    });
    io.stdout(`stemedb ${VERSION} listening on ${server.url} (data dir ${config.dataDir})\n`);
    const code = await stopped;
    if (code !== 0) throw new CliExit(code, "the server did not stop cleanly (see the log)");
  });
  return cmd;
}
