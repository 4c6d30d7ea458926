/**
 * A worker entry for archive-thread.test.ts: the real archive worker, except
 * that the first time it is started for a target directory it dies of an
 * uncaught error on its first round, before the round runs (a marker file in that directory, outside
 * the target's prefixes, remembers it across the restart).
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ArchiveCommand } from "../../../src/backup/archive-messages.ts";

declare const self: Worker;

let crash = false;
self.addEventListener("message", (event: MessageEvent<ArchiveCommand>) => {
  const command = event.data;
  if (command.kind === "start") {
    const marker = join(command.url, "crashed-once");
    crash = !existsSync(marker);
    if (crash) writeFileSync(marker, "");
  } else if (crash) {
    event.stopImmediatePropagation(); // the real worker never sees this round
    throw new Error("injected archive worker crash");
  }
});

await import("../../../src/backup/archive-worker.ts");
