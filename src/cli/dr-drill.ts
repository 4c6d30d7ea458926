/**
 * `stemedb dr-drill --from URL [--source URL] [--json] [--keep]
 * [--operator-key HEX]…` (SPEC §7, src/backup/dr-drill.ts): restore the latest
 * backup + archive into a scratch dir, serve it on a loopback port, compare
 * with the live source by a consistency proof, report RTO and RPO, and record
 * the report at the URL (`drills/<time>.json`, src/backup/drill-record.ts) for
 * the dashboard. `--operator-key` pins redaction signers as for `restore`
 * (SPEC §12); a timer without flags pins them with STEMEDB_OPERATOR_KEYS. The
 * drill's server takes no settings from the environment (so it never archives
 * into the live target). Exit 1 when any check failed: fit for a timer and an
 * alert.
 */
import { Command } from "commander";
import { type DrillReport, drDrill } from "../backup/dr-drill.ts";
import { recordDrill } from "../backup/drill-record.ts";
import { parseConfig } from "../config.ts";
import { startServer } from "../http/server.ts";
import { jsonLogger } from "../logger.ts";
import { backupConfig, openBackupTarget } from "./backup-io.ts";
import { CliExit, type CliIo } from "./cli-io.ts";
import { clientConfig, operatorKeyListOption } from "./cli-options.ts";

interface DrillOptions {
  from: string;
  source?: string;
  json?: boolean;
  keep?: boolean;
  record: boolean;
  operatorKey?: string[];
}

export function drDrillCommand(io: CliIo): Command {
  return new Command("dr-drill")
    .description(
      "rehearse disaster recovery: restore the latest backup, serve it, compare with the live server",
    )
    .requiredOption("--from <url>", "target: s3://bucket/prefix or a directory")
    .option("--source <url>", "the live server, to prove consistency with and measure the RPO gap")
    .option("--json", "print the report as JSON (for monitoring)")
    .option("--keep", "keep the restored scratch data dir")
    .option("--no-record", "do not write the result to the URL (drills/<time>.json)")
    .addOption(
      operatorKeyListOption(
        "also trust this key to have signed the URL's redactions (SPEC §12; by default only the restored registry's operators); repeatable; without it, the keys of STEMEDB_OPERATOR_KEYS (comma-separated)",
      ),
    )
    .addHelpText(
      "after",
      "\nRedactions (SPEC §12): as for restore, every redaction in the URL's ledger must be\n" +
        "signed by an operator of the restored registry or a pinned key; otherwise the drill\n" +
        "fails with operator_required naming the key.\n" +
        "Exit codes: 0 the drill passed, 1 it failed, 2 usage error.\n",
    )
    .action(async (options: DrillOptions) => {
      const target = await openBackupTarget(options.from, io, backupConfig(io));
      const logger = jsonLogger("warn", io.stderr);
      const startedAt = io.now();
      // Flag > env, as every setting: a timer pins the keys in its environment file.
      const operatorKeys =
        options.operatorKey ?? clientConfig({}, io).operatorKeys?.split(",") ?? [];
      const report = await drDrill({
        target,
        operatorKeys,
        ...(options.source === undefined ? {} : { source: options.source.replace(/\/$/, "") }),
        fetch: io.fetch,
        now: io.now,
        keep: options.keep === true,
        start: (dataDir) =>
          startServer(parseConfig({ dataDir, port: 0, host: "127.0.0.1" }, {}), logger),
      });
      // The dashboard's "last drill" (GET /v1/backup) reads the record; a URL this job may not
      // write to (read-only credentials) costs the record, not the drill's verdict.
      let recorded: string | null = null;
      if (options.record) {
        try {
          recorded = `${target.url}/${await recordDrill(target, report, startedAt)}`;
        } catch (e) {
          io.stderr(`could not record the result at ${target.url}: ${(e as Error).message}\n`);
        }
      }
      io.stdout(
        options.json
          ? `${JSON.stringify({ ...report, recorded }, null, 2)}\n`
          : renderDrill(report, recorded),
      );
      if (!report.ok) throw new CliExit(1);
    });
}

export function renderDrill(r: DrillReport, recorded: string | null = null): string {
  const lines = [
    `${r.ok ? "PASS" : "FAIL"}: dr-drill from ${r.url}`,
    `  restored: tree_size ${r.restored?.tree_size ?? "-"}, root ${r.restored?.root ?? "-"}`,
    `  RTO:      ${r.rto_ms.total} ms (restore ${r.rto_ms.restore}, start until ready ${r.rto_ms.start})`,
  ];
  if (r.operator_keys.length > 0) {
    lines.push(`  operator keys pinned: ${r.operator_keys.join(", ")}`);
  }
  if (r.source !== null) {
    lines.push(
      `  source:   tree_size ${r.source.tree_size}, root ${r.source.root}`,
      `  consistency proof: ${r.consistency}`,
      `  RPO gap:  ${r.rpo?.records ?? "-"} record(s), ${r.rpo?.seconds ?? "-"} s`,
    );
  } else {
    lines.push(
      `  newest restored record: ${r.data_age_seconds ?? "-"} s old (give --source to measure the RPO gap)`,
    );
  }
  for (const p of r.problems) lines.push(`  problem:  ${p}`);
  if (r.data_dir !== null) lines.push(`  kept:     ${r.data_dir}`);
  if (recorded !== null) lines.push(`  recorded: ${recorded}`);
  return `${lines.join("\n")}\n`;
}
