/**
 * The server's archiver (SPEC §7), built from the config: none without
 * `archiveTo`; otherwise a shipper reading the engine's own segment list
 * (lastLsn there is the last fdatasynced record) into the target. The target
 * is injected when the caller opened it (the CLI passes its environment to
 * openTarget); else it is opened here with the SDK's own environment.
 */
import { type Clock, systemClock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Engine } from "../engine/engine.ts";
import type { Logger } from "../logger.ts";
import { ArchiveShipper } from "./archive-shipper.ts";
import { Archiver } from "./archiver.ts";
import type { BackupTarget } from "./backup-target.ts";
import { openTarget } from "./open-target.ts";

export async function serverArchiver(
  config: Pick<Config, "archiveTo" | "archiveIntervalMs" | "archiveShip" | "s3ForcePathStyle">,
  engine: Pick<Engine, "log">,
  logger: Logger,
  target?: BackupTarget,
  clock: Clock = systemClock,
): Promise<Archiver | undefined> {
  if (config.archiveTo === undefined) return undefined;
  const shipper = new ArchiveShipper({
    target: target ?? (await openTarget(config.archiveTo, config)),
    source: { segments: () => engine.log.segmentList() },
  });
  return new Archiver({
    shipper,
    ship: config.archiveShip,
    intervalMs: config.archiveIntervalMs,
    logLastLsn: () => engine.log.lastLsn,
    logger,
    clock,
  });
}
