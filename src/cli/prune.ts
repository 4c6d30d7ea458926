/**
 * `stemedb prune --at URL --keep-daily N --keep-weekly M [--dry-run] [--json]`
 * (SPEC §7): removes the snapshots outside the keep rules and the archive
 * ranges no kept snapshot needs (prune-plan.ts has the rules), per history
 * (SPEC §7: what any kept history needs stays).
 *
 * For credentials that may not delete (a write-only archiving principal),
 * `--dry-run` changes nothing and prints the plan: with `--json` the keys in
 * deletion order, for another principal or a script to remove (e.g.
 * `jq -r '.delete[]'` into `aws s3 rm`); a lifecycle rule cannot express "keep
 * what a snapshot needs", so the plan is the hand-off. Without `--dry-run` a
 * refused delete stops the prune with the key it could not remove; what was
 * removed before stays removed, and a re-run continues.
 */
import { Command, Option } from "commander";
import { ARCHIVE_PREFIX, SNAPSHOTS_PREFIX } from "../backup/backup-layout.ts";
import { openTarget } from "../backup/open-target.ts";
import { type PrunePlan, planPrune } from "../backup/prune-plan.ts";
import { readHistories } from "../backup/url-histories.ts";
import { parseConfig } from "../config.ts";
import { StemeError } from "../errors.ts";
import type { CliIo } from "./cli-io.ts";
import { usageError } from "./cli-io.ts";
import { parseCount } from "./cli-options.ts";

interface PruneCliOptions {
  at: string;
  keepDaily: number;
  keepWeekly: number;
  dryRun?: boolean;
  json?: boolean;
}

export function pruneCommand(io: CliIo): Command {
  return new Command("prune")
    .description("remove old backup snapshots and the archive ranges no kept snapshot needs")
    .requiredOption("--at <url>", "target: s3://bucket/prefix or a directory")
    .addOption(
      new Option("--keep-daily <n>", "keep the newest snapshot of each of the last N days")
        .argParser(parseCount)
        .default(7),
    )
    .addOption(
      new Option("--keep-weekly <n>", "keep the newest snapshot of each of the last N ISO weeks")
        .argParser(parseCount)
        .default(4),
    )
    .option("--dry-run", "delete nothing; print what would be deleted (for a principal that may)")
    .option("--json", "print the plan as JSON")
    .addHelpText(
      "after",
      "\nThe newest complete snapshot is always kept; archive ranges after the oldest kept\n" +
        "snapshot are never deleted. With no complete snapshot nothing is deleted.\n" +
        "Exit codes: 0 done (or planned), 1 a delete failed, 2 usage error.\n",
    )
    .action(async (options: PruneCliOptions) => {
      if (options.keepDaily + options.keepWeekly < 1) {
        throw usageError("keep at least one snapshot: --keep-daily or --keep-weekly ≥ 1");
      }
      const config = parseConfig({}, io.env);
      const target = await openTarget(options.at, config, io.env);
      const listing = [
        ...(await target.list(SNAPSHOTS_PREFIX)),
        ...(await target.list(ARCHIVE_PREFIX)),
      ];
      const plan = planPrune(listing, options, await readHistories(target));
      let deleted = 0;
      if (!options.dryRun) {
        for (const key of plan.delete) {
          try {
            await target.delete(key);
          } catch (e) {
            const why = e instanceof Error ? e.message : String(e);
            throw new StemeError(
              "backup_unavailable",
              `deleted ${deleted} of ${plan.delete.length} object(s), then could not delete ${key}: ${why} ` +
                "(if these credentials may not delete, run with --dry-run --json and hand the plan to one that may)",
              { object: key },
              e,
            );
          }
          deleted++;
        }
      }
      io.stdout(options.json ? renderJson(plan, options, deleted) : renderText(plan, options));
    });
}

function renderJson(plan: PrunePlan, o: PruneCliOptions, deleted: number): string {
  const summary = {
    target: o.at,
    dry_run: o.dryRun === true,
    kept: plan.kept.map(({ keys: _keys, ...s }) => s),
    dropped: plan.dropped.map(({ keys: _keys, ...s }) => s),
    archive_objects: plan.archive.length,
    delete: plan.delete,
    deleted,
    bytes: plan.bytes,
  };
  return `${JSON.stringify(summary, null, 2)}\n`;
}

function renderText(plan: PrunePlan, o: PruneCliOptions): string {
  const lines: string[] = [];
  for (const s of plan.kept) {
    lines.push(`keep  ${s.prefix} (lsn ${s.lastLsn}${s.complete ? "" : ", incomplete"})`);
  }
  for (const s of plan.dropped) {
    lines.push(`drop  ${s.prefix} (lsn ${s.lastLsn}${s.complete ? "" : ", incomplete"})`);
  }
  if (o.dryRun) for (const key of plan.delete) lines.push(`would delete ${key}`);
  const verb = o.dryRun ? "would delete" : "deleted";
  lines.push(
    `${verb} ${plan.delete.length} object(s), ${plan.bytes} bytes: ${plan.dropped.length} snapshot(s), ` +
      `${plan.archive.length} archive object(s) before the oldest kept snapshot`,
  );
  return `${lines.join("\n")}\n`;
}
