/**
 * `stemedb admin-token rotate [--data-dir DIR]` (SPEC §6, issue 18): replaces
 * `<data dir>/admin.token` with a fresh `stmadm_…` token. The running server
 * keeps the old one until it is restarted (ops/docs/security.md "Rotating the
 * admin token"). Refused when the token comes from STEMEDB_ADMIN_TOKEN: the file
 * is not what the server uses then.
 */
import { Command } from "commander";
import { parseConfig } from "../config.ts";
import { StemeError } from "../errors.ts";
import { rotateAdminToken } from "../http/admin-token.ts";
import type { CliIo } from "./cli-io.ts";

export function adminTokenCommand(io: CliIo): Command {
  const command = new Command("admin-token").description(
    "manage the admin bearer token generated into the data dir",
  );
  command
    .command("rotate")
    .description(
      "write a new admin token into <data dir>/admin.token (restart the server to use it)",
    )
    .option("--data-dir <dir>", "data directory (default: STEMEDB_DATA_DIR, else ./data)")
    .addHelpText(
      "after",
      "\nPrints the file's path, not the token. The old token works until the server restarts.\n" +
        "Exit codes: 0 rotated, 1 failed, 2 usage error.\n",
    )
    .action((options: { dataDir?: string }) => {
      const config = parseConfig(
        options.dataDir === undefined ? {} : { dataDir: options.dataDir },
        io.env,
      );
      if (config.adminToken !== undefined) {
        throw new StemeError(
          "config_invalid",
          "the admin token comes from STEMEDB_ADMIN_TOKEN (or --admin-token), not from the data dir: set a new value there (e.g. `stemedb admin-token rotate` on a scratch dir, or `echo stmadm_$(openssl rand -hex 32)`) and restart the server",
          { field: "adminToken" },
        );
      }
      const path = rotateAdminToken(config.dataDir);
      io.stdout(
        `wrote a new admin token to ${path}; restart the server to use it (systemctl restart stemedb): the old token works until then\n`,
      );
    });
  return command;
}
