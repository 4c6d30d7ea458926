/**
 * `stemedb restore --from URL --data-dir DIR [--until-seq N | --until-time ISO]
 * [--dry-run] [--json] [--force] [--node-key FILE] [--operator-key HEX]` (SPEC §7,
 * src/backup/restore-data-dir.ts): plan, verify every object, place, replay,
 * check the root against the backup's signed tree heads. --dry-run stops
 * before placing anything. Then `stemedb serve --data-dir DIR` starts on it.
 */
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { type RestoreReport, restoreDataDir } from "../backup/restore-data-dir.ts";
import type { RestorePoint } from "../backup/restore-point.ts";
import { type SignedTreeHead, verifyTreeHead } from "../merkle/tree-head.ts";
import { backupConfig, openBackupTarget, stepProgress } from "./backup-io.ts";
import { type CliIo, usageError } from "./cli-io.ts";
import { collect, operatorKeyListOption, parsePositive } from "./cli-options.ts";

interface RestoreOptions {
  from: string;
  dataDir: string;
  untilSeq?: number;
  untilTime?: number;
  dryRun?: boolean;
  json?: boolean;
  force?: boolean;
  nodeKey?: string;
  excludeSnapshot?: string[];
  sth?: string[];
  history?: string;
  operatorKey?: string[];
}

/** A tree head from a file: an STH, or anything holding one as `sth` (a write receipt). */
export function readTreeHead(file: string): { key: string; sth: SignedTreeHead } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw usageError(`--sth ${file}: cannot read JSON: ${(e as Error).message}`);
  }
  const sth = ((json as { sth?: unknown }).sth ?? json) as SignedTreeHead;
  if (!verifyTreeHead(sth)) {
    throw usageError(`--sth ${file}: not a signed tree head whose signature verifies`);
  }
  return { key: file, sth };
}

/** Commander parser: an ISO 8601 time with a zone (or ms since the epoch) → ms. */
export function parseTime(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(ms) || (!/^\d+$/.test(value) && !/(Z|[+-]\d\d:?\d\d)$/i.test(value))) {
    throw new InvalidArgumentError(
      "must be an ISO 8601 time with a zone (2026-11-30T13:05:00Z) or ms since the epoch",
    );
  }
  return ms;
}

export function restoreCommand(io: CliIo): Command {
  return new Command("restore")
    .description(
      "restore a data dir from a backup target: newest usable snapshot + archived log, to a point",
    )
    .requiredOption("--from <url>", "target: s3://bucket/prefix or a directory")
    .requiredOption("--data-dir <dir>", "data directory to restore into (empty or new, or --force)")
    .addOption(
      new Option("--until-seq <n>", "stop after the assertion with this seq")
        .argParser(parsePositive)
        .conflicts("untilTime"),
    )
    .addOption(
      new Option(
        "--until-time <iso>",
        "stop at the last record written at or before this time",
      ).argParser(parseTime),
    )
    .option(
      "--history <id>",
      "restore this history (restore --dry-run --json lists them; default: the newest)",
    )
    .option("--dry-run", "plan and verify every object, place nothing")
    .option("--json", "print the report as JSON")
    .option("--force", "replace what a non-empty data dir holds")
    .option(
      "--exclude-snapshot <prefix>",
      "do not start from this snapshot (snapshots/<lsn>-<time>/), e.g. a damaged one; repeatable",
      collect,
    )
    .option(
      "--sth <file>",
      "also check the restored root against this signed tree head (a receipt, proof --save-sth); repeatable",
      collect,
    )
    .addOption(operatorKeyListOption())
    .option(
      "--node-key <file>",
      "install this node.key, so the restored server keeps the original's identity",
    )
    .addHelpText(
      "after",
      "\nHistories (SPEC §7): a restore follows the URL's newest history unless --history\n" +
        "names another, and the restored data dir starts a new history of its own, so a\n" +
        "server started on it never ships into the history it came from.\n" +
        "Exit codes: 0 restored (or the dry run passed), 1 failed (backup_gap,\n" +
        "restore_point_unreachable, corrupt_backup, data_dir_not_empty, …), 2 usage error\n" +
        "(or a target that refuses the credentials). Nothing is placed unless every object verified.\n" +
        "Redactions (SPEC §12): every redaction in the URL's ledger is applied, and each must be\n" +
        "signed by an operator of the restored registry or an --operator-key; otherwise the\n" +
        "restore refuses (operator_required) before placing anything.\n",
    )
    .action(async (options: RestoreOptions) => {
      const point: RestorePoint =
        options.untilSeq !== undefined
          ? { kind: "seq", seq: options.untilSeq }
          : options.untilTime !== undefined
            ? { kind: "time", ms: options.untilTime }
            : { kind: "latest" };
      const config = backupConfig(io, options.dataDir);
      const target = await openBackupTarget(options.from, io, config);
      const progress = stepProgress(io, options.json, 4);
      let report: RestoreReport;
      try {
        report = await restoreDataDir({
          target,
          dataDir: options.dataDir,
          point,
          force: options.force === true,
          ...(options.history === undefined ? {} : { history: options.history }),
          dryRun: options.dryRun === true,
          ...(options.nodeKey === undefined ? {} : { nodeKeyFile: options.nodeKey }),
          operatorKeys: options.operatorKey ?? [],
          treeHeads: (options.sth ?? []).map(readTreeHead),
          excludeSnapshots: (options.excludeSnapshot ?? []).map((p) =>
            p.endsWith("/") ? p : `${p}/`,
          ),
          onStep: progress.step,
        });
      } finally {
        progress.stop();
      }
      io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderRestore(report));
    });
}

export function renderRestore(r: RestoreReport): string {
  const lines = [
    `${r.dry_run ? "would restore" : "restored"} ${r.point} from ${r.url} into ${r.data_dir}`,
    `  history:  ${r.history}${r.histories.length > 1 ? ` (of ${r.histories.length}: ${r.histories.map((h) => h.id).join(", ")})` : ""}`,
    `  snapshot: ${r.plan.snapshot ?? "none (from lsn 1)"}`,
    ...r.plan.sources.map((s) => `  replay:   ${s.key} (lsn ${s.first_lsn}..${s.last_lsn})`),
    ...r.plan.skipped.map((s) => `  skipped:  ${s.prefix}: ${s.reason}`),
    `  verified: ${r.staged.objects.length} object(s); ${r.staged.records} log record(s) to lsn ${r.staged.last_lsn}, tree_size ${r.staged.tree_size}`,
    `  newest record: ${r.staged.last_record_at === null ? "unknown" : new Date(r.staged.last_record_at).toISOString()}`,
  ];
  if (r.point !== "the latest record" && !r.staged.point_reached) {
    lines.push("  note:     the backup ends before that point: restored to its newest record");
  }
  if (!r.dry_run) {
    for (const b of r.tree_heads_beyond) {
      lines.push(
        `  warning:  ${b.key} signs tree_size ${b.tree_size}; the restore ends at ${r.staged.tree_size}: ` +
          `${b.tree_size - r.staged.tree_size} acknowledged assertion(s) are not in the backup`,
      );
    }
    lines.push(
      `  root:     ${r.root} (${r.tree_heads_checked.length} signed tree head(s) match${r.exact_tree_head ? ", one for exactly this size" : ""})`,
      `  took:     ${r.millis.total} ms (verify ${r.millis.verify}, replay ${r.millis.replay})`,
      `  new history: ${r.new_history?.id} (branched from ${r.history} at lsn ${r.new_history?.branch_lsn}): what a server on it archives goes there`,
      `next: stemedb serve --data-dir ${r.data_dir}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
