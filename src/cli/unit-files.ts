/**
 * The systemd units of ops/systemd (SPEC §8), embedded in the binary as text
 * (`with { type: "text" }`, which `bun build --compile` inlines), so
 * `stemedb install-units` can put them on a host that has only the binary.
 * tests/unit/cli/install-units.test.ts checks this list against the directory.
 */

import env from "../../ops/systemd/stemedb.env" with { type: "text" };
import service from "../../ops/systemd/stemedb.service" with { type: "text" };
import archiveWalService from "../../ops/systemd/stemedb-archive-wal.service" with { type: "text" };
import archiveWalTimer from "../../ops/systemd/stemedb-archive-wal.timer" with { type: "text" };
import backupService from "../../ops/systemd/stemedb-backup.service" with { type: "text" };
import backupTimer from "../../ops/systemd/stemedb-backup.timer" with { type: "text" };
import drDrillService from "../../ops/systemd/stemedb-dr-drill.service" with { type: "text" };
import drDrillTimer from "../../ops/systemd/stemedb-dr-drill.timer" with { type: "text" };
import verifyBackupService from "../../ops/systemd/stemedb-verify-backup.service" with {
  type: "text",
};
import verifyBackupTimer from "../../ops/systemd/stemedb-verify-backup.timer" with { type: "text" };

/** Unit file name → its text, as in ops/systemd. */
export const UNIT_FILES: Readonly<Record<string, string>> = Object.freeze({
  "stemedb.service": service,
  "stemedb-backup.service": backupService,
  "stemedb-backup.timer": backupTimer,
  "stemedb-archive-wal.service": archiveWalService,
  "stemedb-archive-wal.timer": archiveWalTimer,
  "stemedb-verify-backup.service": verifyBackupService,
  "stemedb-verify-backup.timer": verifyBackupTimer,
  "stemedb-dr-drill.service": drDrillService,
  "stemedb-dr-drill.timer": drDrillTimer,
});

/** ops/systemd/stemedb.env: the environment file the units read (/etc/stemedb/stemedb.env). */
export const ENV_FILE_TEXT: string = env;
export const ENV_FILE_PATH = "/etc/stemedb/stemedb.env";
