/**
 * SPEC §7 "bad targets fail early and say why": before `serve` starts with
 * `--archive-to`, one listing of the target. An answer that refuses the
 * credentials, the access or the bucket (s3-target.ts `isRefusal`) is a
 * configuration error (`config_invalid`: serve exits 2 naming it). A target
 * that does not answer is not: the server starts, archival retries, and
 * health says `degraded` while it fails. One attempt, bounded by `timeoutMs`,
 * so an unreachable store does not hold up the start.
 */
import { StemeError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { HISTORIES_PREFIX } from "./backup-layout.ts";
import { openTarget, type TargetConfig, type TargetEnv } from "./open-target.ts";

export async function probeTarget(
  url: string,
  config: TargetConfig,
  env: TargetEnv,
  logger: Logger,
  timeoutMs = 5_000,
): Promise<void> {
  const target = await openTarget(url, config, { ...env, AWS_MAX_ATTEMPTS: "1" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const answer = await Promise.race([target.list(HISTORIES_PREFIX), timeout]);
    if (answer === "timeout") {
      logger.warn("the archive target did not answer at start; archiving retries", { url });
    }
  } catch (e) {
    if (e instanceof StemeError && e.code === "config_invalid") throw e;
    logger.warn("the archive target is unreachable at start; archiving retries", {
      url,
      error: e instanceof Error ? e.message : String(e),
    });
  } finally {
    clearTimeout(timer);
  }
}
