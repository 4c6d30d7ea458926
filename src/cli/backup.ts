/**
 * `stemedb backup [--data-dir DIR] --to URL [--json]` (SPEC §7): an online
 * backup beside a running server (src/backup/take-backup.ts). Prints one
 * summary line, or the summary as JSON; a step bar on a terminal.
 */
import { Command } from "commander";
import { takeBackup } from "../backup/take-backup.ts";
import { backupConfig, openBackupTarget, stepProgress } from "./backup-io.ts";
import type { CliIo } from "./cli-io.ts";
import { VERSION } from "./version.ts";

interface BackupOptions {
  dataDir?: string;
  to: string;
  json?: boolean;
}

export function backupCommand(io: CliIo): Command {
  return new Command("backup")
    .description(
      "back up a data dir while the server runs: SQLite snapshot + log tail + metadata.json",
    )
    .option("--data-dir <dir>", "data directory (default: STEMEDB_DATA_DIR, else ./data)")
    .requiredOption("--to <url>", "target: s3://bucket/prefix or a directory")
    .option("--json", "print the summary as JSON")
    .addHelpText(
      "after",
      "\nS3: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL_S3,\n" +
        "STEMEDB_S3_FORCE_PATH_STYLE=true for MinIO-style stores.\n" +
        "Exit codes: 0 backed up, 1 failed, 2 usage error.\n",
    )
    .action(async (options: BackupOptions) => {
      const config = backupConfig(io, options.dataDir);
      const target = await openBackupTarget(options.to, io, config);
      const progress = stepProgress(io, options.json, 6);
      let summary: Awaited<ReturnType<typeof takeBackup>>;
      try {
        summary = await takeBackup({
          dataDir: config.dataDir,
          target,
          version: VERSION,
          now: io.now,
          onStep: (s) => progress.step(s.detail),
        });
      } finally {
        progress.stop();
      }
      if (options.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        io.stdout(
          `backed up ${config.dataDir} to ${summary.url}/${summary.prefix}: tree_size ${summary.tree_size}, ` +
            (summary.cluster
              ? `stream sequence ${summary.last_lsn} (a cluster node: the stream holds the rest), `
              : `lsn ${summary.last_lsn} (snapshot at ${summary.snapshot_lsn}), `) +
            `root ${summary.root}, ` +
            `${summary.stored_bytes} bytes stored in ${summary.millis} ms\n`,
        );
      }
    });
}
