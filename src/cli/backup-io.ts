/**
 * What the backup commands (backup, restore, verify --backup, dr-drill) share:
 * the data dir and target from flags and the one config parser (flag, then
 * STEMEDB_* environment, then default; S3 settings are the AWS SDK's own
 * environment plus STEMEDB_S3_FORCE_PATH_STYLE), and a step progress bar on a
 * terminal's stderr.
 */
import cliProgress from "cli-progress";
import type { BackupTarget } from "../backup/backup-target.ts";
import { openTarget } from "../backup/open-target.ts";
import { type Config, parseConfig } from "../config.ts";
import type { CliIo } from "./cli-io.ts";

export function backupConfig(io: CliIo, dataDir?: string): Config {
  return parseConfig(dataDir === undefined ? {} : { dataDir }, io.env);
}

export function openBackupTarget(url: string, io: CliIo, config: Config): Promise<BackupTarget> {
  return openTarget(url, config, io.env);
}

/** One line per step: a bar on a terminal, nothing otherwise (and nothing with --json). */
export function stepProgress(io: CliIo, json: boolean | undefined, total: number) {
  if (json === true || io.progressStream === undefined) return { step() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: io.progressStream,
      format: "[{bar}] {value}/{total} {step}",
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { step: "" });
  let done = 0;
  return {
    step(detail: string) {
      done = Math.min(done + 1, total);
      bar.update(done, { step: detail.length > 60 ? `${detail.slice(0, 57)}...` : detail });
    },
    stop() {
      bar.stop();
    },
  };
}
