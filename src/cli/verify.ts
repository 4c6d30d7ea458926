/**
 * `stemedb verify [DATA_DIR]`: the offline check of a data dir
 * (src/verify/verify-data-dir.ts); `stemedb verify --backup URL`: the same
 * on a backup, restored into a scratch dir (src/backup/verify-backup.ts). Prints one line per check — PASS or FAIL,
 * its name, where (segment and offset, seq and id, Merkle node) and what —
 * then PASS or FAIL overall; exit 0 or 1. --json prints the report instead.
 */
import { Command } from "commander";
import { verifyBackup } from "../backup/verify-backup.ts";
import { parseConfig } from "../config.ts";
import { type VerifyReport, verifyDataDir } from "../verify/verify-data-dir.ts";
import { openBackupTarget } from "./backup-io.ts";
import { CliExit, type CliIo, usageError } from "./cli-io.ts";
import { operatorKeyListOption } from "./cli-options.ts";

export function verifyCommand(io: CliIo): Command {
  return new Command("verify")
    .description(
      "check a data dir (or a backup) offline: checksums, SQLite, Merkle root, ids, signatures",
    )
    .argument("[data_dir]", "data directory (default: STEMEDB_DATA_DIR, else ./data)")
    .option("--backup <url>", "verify a backup target instead (s3://bucket/prefix or a directory)")
    .option("--json", "print the report as JSON")
    .addOption(
      operatorKeyListOption(
        "an operator key trusted to redact (SPEC §12), for a data dir or --backup; repeatable; without, redactions are reported with their key",
      ),
    )
    .addHelpText("after", "\nExit codes: 0 every check passed, 1 a check failed, 2 usage error.\n")
    .action(async (dataDir: string | undefined, options: VerifyFlags) => {
      const config = parseConfig({}, io.env);
      const keys = options.operatorKey ?? [];
      if (options.backup !== undefined && dataDir !== undefined) {
        throw usageError("give a data dir or --backup URL, not both");
      }
      const trustedOperators = new Set(keys);
      const report =
        options.backup === undefined
          ? await verifyDataDir(dataDir ?? config.dataDir, { trustedOperators })
          : await verifyBackup(await openBackupTarget(options.backup, io, config), {
              trustedOperators,
            });
      io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
      if (!report.ok) throw new CliExit(1);
    });
}

interface VerifyFlags {
  json?: boolean;
  backup?: string;
  operatorKey?: string[];
}

export function renderReport(report: VerifyReport): string {
  const lines = [`verifying ${report.dir}`];
  for (const c of report.checks) {
    let where = "";
    if (c.where !== undefined) {
      if ("segment" in c.where) where = ` [${c.where.segment} offset ${c.where.offset}]`;
      else if ("seq" in c.where) where = ` [seq ${c.where.seq} id ${c.where.id}]`;
      else if ("object" in c.where) where = ` [${c.where.object}]`;
      else where = ` [node level ${c.where.level} index ${c.where.index}]`;
    }
    lines.push(`${c.ok ? "PASS" : "FAIL"}  ${c.name}${where}: ${c.detail}`);
  }
  const n = report.counts;
  lines.push(
    `${report.ok ? "PASS" : "FAIL"}: ${n.assertions} assertion(s), tree_size ${n.tree_size}, ` +
      `${n.log_records} log record(s) in ${n.segments} segment(s)`,
  );
  return `${lines.join("\n")}\n`;
}
