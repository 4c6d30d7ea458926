/**
 * The server's archiver (SPEC §7), built from the config: none without
 * `archiveTo`; otherwise an Archiver whose rounds run on the archive worker
 * thread (archive-thread.ts), reading the engine's own segment list (lastLsn
 * there is the last fdatasynced record). The worker opens the target from the
 * URL with `env` — the CLI passes its environment (AWS_* for S3); the URL is
 * checked here first, so a bad one fails the start, not the first round.
 */
import { type Clock, systemClock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Engine } from "../engine/engine.ts";
import { StemeError } from "../errors.ts";
import { segmentLogOf } from "../log/segment-log.ts";
import type { Logger } from "../logger.ts";
import { ArchiveThread } from "./archive-thread.ts";
import { Archiver } from "./archiver.ts";
import { readDataDirHistory } from "./data-dir-history.ts";
import { checkTargetUrl, type TargetEnv } from "./open-target.ts";

export function serverArchiver(
  config: Pick<
    Config,
    | "archiveTo"
    | "archiveIntervalMs"
    | "archiveShip"
    | "archiveSync"
    | "archiveSyncTimeoutMs"
    | "s3ForcePathStyle"
    | "dataDir"
  >,
  engine: Pick<Engine, "log">,
  logger: Logger,
  env: TargetEnv = {},
  clock: Clock = systemClock,
  /** The server's version, recorded in the first snapshot's metadata.json. */
  version = "unknown",
): Archiver | undefined {
  if (config.archiveSync && (config.archiveTo === undefined || !config.archiveShip)) {
    throw new StemeError(
      "config_invalid",
      "--archive-sync needs the server to ship: set --archive-to and leave --archive-ship true",
      { field: "archiveSync" },
    );
  }
  if (config.archiveTo === undefined) return undefined;
  const history = readDataDirHistory(config.dataDir);
  const rounds = new ArchiveThread({
    url: checkTargetUrl(config.archiveTo),
    config: { s3ForcePathStyle: config.s3ForcePathStyle },
    env,
    logger,
    // SPEC §7: it ships under the data dir's own history, and a URL without a
    // snapshot of that history gets one first (only when this server ships).
    history,
    ...(config.archiveShip ? { firstSnapshot: { dataDir: config.dataDir, version } } : {}),
  });
  return new Archiver({
    rounds,
    ship: config.archiveShip,
    intervalMs: config.archiveIntervalMs,
    syncTimeoutMs: config.archiveSyncTimeoutMs,
    log: segmentLogOf(engine.log),
    logger,
    clock,
    history: history.id,
  });
}
