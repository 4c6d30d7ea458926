/**
 * `stemedb archive-wal [--data-dir DIR] --to URL [--json]` (SPEC §7): ships the
 * log records not yet in the archive at URL and exits — for systemd timers.
 * Runs beside a live server: it reads the data dir read-only (segment headers
 * and frames, and the applied LSN from SQLite as the durable bound) and never
 * writes there. What is archived comes from the target's listing, so it is
 * idempotent and resumes where any earlier run (or the server) stopped.
 * Pair it with `serve --archive-to URL --archive-ship false` so the server's
 * retention keeps every segment the archive does not hold yet. It ships under
 * the data dir's history (SPEC §7); a URL it ships to can be restored from
 * once `stemedb backup` put a snapshot there (or the log starts at lsn 1).
 */
import { Command } from "commander";
import { ArchiveShipper } from "../backup/archive-shipper.ts";
import { readDataDirHistory } from "../backup/data-dir-history.ts";
import { openTarget } from "../backup/open-target.ts";
import { dataDirWalSource } from "../backup/wal-source.ts";
import { parseConfig } from "../config.ts";
import { type CliIo, usageError } from "./cli-io.ts";

interface ArchiveWalOptions {
  dataDir?: string;
  to?: string;
  json?: boolean;
}

export function archiveWalCommand(io: CliIo): Command {
  return new Command("archive-wal")
    .description("ship the log records not yet archived to a backup target, then exit")
    .option("--data-dir <dir>", "data directory (default: STEMEDB_DATA_DIR, else ./data)")
    .option("--to <url>", "target: s3://bucket/prefix or a directory (default: STEMEDB_ARCHIVE_TO)")
    .option("--json", "print the summary as JSON")
    .addHelpText(
      "after",
      "\nS3 settings come from the AWS SDK environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n" +
        "AWS_REGION, AWS_ENDPOINT_URL_S3) and STEMEDB_S3_FORCE_PATH_STYLE.\n" +
        "Exit codes: 0 everything durable is archived, 1 failed (nothing half-shipped counts), 2 usage error.\n",
    )
    .action(async (options: ArchiveWalOptions) => {
      const config = parseConfig(
        options.dataDir === undefined ? {} : { dataDir: options.dataDir },
        io.env,
      );
      const url = options.to ?? config.archiveTo;
      if (url === undefined) throw usageError("--to URL is required (or STEMEDB_ARCHIVE_TO)");
      const started = io.now();
      const target = await openTarget(url, config, io.env);
      const source = dataDirWalSource(config.dataDir);
      source.segments(); // a data dir, before anything goes to the URL
      // SPEC §7: it ships under the data dir's own history.
      const history = readDataDirHistory(config.dataDir);
      const shipper = new ArchiveShipper({ target, source, history });
      const r = { ...(await shipper.ship()), history: history.id };
      const seconds = (io.now() - started) / 1000;
      if (options.json) {
        io.stdout(`${JSON.stringify({ target: url, ...r, seconds }, null, 2)}\n`);
        return;
      }
      io.stdout(
        `archived ${r.records} record(s) in ${r.objects} object(s) ` +
          `(${r.plainBytes} bytes, ${r.storedBytes} stored) to ${url} in ${seconds.toFixed(2)} s; ` +
          `the archive holds the log through lsn ${r.archivedLsn} of ${r.logLastLsn}\n`,
      );
    });
}
