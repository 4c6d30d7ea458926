/**
 * What the archive scrub job has confirmed (SPEC §12), kept in the URL so a
 * restarted server does not download every archive object and snapshot again:
 * `redaction-scrubs/<compact UTC time>-<8 hex>.json` (lexical order is
 * creation order, like history ids), the newest one read, older ones deleted
 * once a newer one is written. Not under `redactions/` (the ledger's prefix,
 * whose every object is a redaction: backup contract item 3), so the ledger's
 * readers never see it.
 *
 *   { "v": 1, "at", "targets": [<target id hex>…], "confirmed": [<target id hex>…],
 *     "archive": { "<history>": <last LSN checked> },
 *     "snapshots": [<snapshot prefix>…] }
 *
 * It says: no archive object of `<history>` up to that LSN, and none of those
 * snapshots, holds a frame or row of any of `targets`; `confirmed` are the
 * targets a pass that replaced nothing has confirmed (what cluster nodes that
 * do not scrub count as done; absent in confirmations written before it). Objects shipped later
 * (past the LSN, or a snapshot not listed) are checked by the next pass; a
 * redaction not in `targets` makes the next pass read everything. It holds ids
 * only, no content. A missing or unreadable one means "nothing confirmed": the
 * next pass reads everything, as before it existed. It is unsigned and only
 * ever saves reads (the job applies the redactions it verified, never the ids
 * listed here); whoever can write it can write any object of the URL anyway.
 */
import { randomBytes } from "node:crypto";
import type { BackupTarget } from "../backup/backup-target.ts";
import { compactTime } from "../backup/history.ts";
import { StemeError } from "../errors.ts";

export const SCRUBS_PREFIX = "redaction-scrubs/";

export interface ScrubConfirmation {
  /** Redacted assertion ids (hex) the objects below are confirmed clean of. */
  targets: string[];
  /** Those of `targets` a pass that found nothing left to replace confirmed. */
  confirmed: string[];
  /** Per history: archive objects whose last LSN is at most this were checked. */
  archive: Record<string, number>;
  /** Complete snapshots (prefixes) checked. */
  snapshots: string[];
  at: number;
}

/** The newest confirmation the URL holds, or undefined (none, or not readable as one). */
export async function readScrubConfirmation(
  target: BackupTarget,
): Promise<ScrubConfirmation | undefined> {
  const key = (await target.list(SCRUBS_PREFIX)).at(-1)?.key;
  if (key === undefined) return undefined;
  const body = await target.get(key);
  if (body === undefined) return undefined;
  try {
    const json = JSON.parse(new TextDecoder().decode(body)) as Partial<ScrubConfirmation> & {
      v?: unknown;
    };
    if (
      json.v !== 1 ||
      !Array.isArray(json.targets) ||
      !Array.isArray(json.snapshots) ||
      typeof json.archive !== "object" ||
      json.archive === null
    ) {
      return undefined;
    }
    return {
      targets: json.targets.filter((t): t is string => typeof t === "string"),
      confirmed: (Array.isArray(json.confirmed) ? json.confirmed : []).filter(
        (t): t is string => typeof t === "string",
      ),
      archive: Object.fromEntries(
        Object.entries(json.archive).filter(([, lsn]) => Number.isSafeInteger(lsn)),
      ) as Record<string, number>,
      snapshots: json.snapshots.filter((s): s is string => typeof s === "string"),
      at: Number(json.at) || 0,
    };
  } catch {
    return undefined; // read as nothing confirmed: the next pass reads everything
  }
}

/** Writes a new confirmation, then deletes the older ones. */
export async function writeScrubConfirmation(
  target: BackupTarget,
  c: ScrubConfirmation,
): Promise<string> {
  const older = await target.list(SCRUBS_PREFIX);
  let key = "";
  for (let tries = 0; ; tries++) {
    key = `${SCRUBS_PREFIX}${compactTime(c.at)}-${randomBytes(4).toString("hex")}.json`;
    try {
      await target.put(key, new TextEncoder().encode(JSON.stringify({ v: 1, ...c })));
      break;
    } catch (e) {
      if (!(e instanceof StemeError && e.code === "already_exists") || tries >= 3) throw e;
    }
  }
  for (const o of older) if (o.key < key) await target.delete(o.key);
  return key;
}
