/**
 * The histories a backup URL holds (SPEC §7, backup-layout.ts): the records in
 * `histories/<id>.json`, and the ids its objects carry. The root history's
 * record may be absent (its objects predate histories); an id whose objects
 * are listed without a record is reported (`recorded: false`) and read as a
 * history with no known parent.
 */
import { StemeError } from "../errors.ts";
import { HISTORIES_PREFIX, historyKey, parseHistoryKey } from "./backup-layout.ts";
import type { BackupTarget } from "./backup-target.ts";
import {
  decodeHistory,
  encodeHistory,
  type HistoryRecord,
  ROOT_HISTORY,
  ROOT_RECORD,
} from "./history.ts";

export interface UrlHistory extends HistoryRecord {
  /** `histories/<id>.json` is in the URL. */
  recorded: boolean;
}

/** Every history the URL records, plus `seen` ids its objects carry; by id, ascending. */
export async function readHistories(
  target: BackupTarget,
  seen: Iterable<string> = [],
): Promise<Map<string, UrlHistory>> {
  const out = new Map<string, UrlHistory>();
  for (const info of await target.list(HISTORIES_PREFIX)) {
    const id = parseHistoryKey(info.key);
    if (id === undefined) continue;
    const body = await target.get(info.key);
    if (body === undefined) continue; // deleted meanwhile
    const record = decodeHistory(info.key, body);
    if (record.id !== id) {
      throw new StemeError("corrupt_backup", `${info.key} records history ${record.id}`, {
        object: info.key,
      });
    }
    out.set(id, { ...record, recorded: true });
  }
  for (const id of seen) {
    if (out.has(id)) continue;
    const base = id === ROOT_HISTORY ? ROOT_RECORD : { ...ROOT_RECORD, id };
    out.set(id, { ...base, recorded: false });
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The newest history (the greatest id, SPEC §7: `restore` follows it by default). */
export function newestHistory(histories: ReadonlyMap<string, HistoryRecord>): string | undefined {
  return [...histories.keys()].at(-1);
}

/**
 * Writes `histories/<id>.json` unless the URL already records it (SPEC §7:
 * before any object of that history). A different record under the same id
 * is refused: two data dirs claim one history.
 */
export async function recordHistory(target: BackupTarget, history: HistoryRecord): Promise<void> {
  const key = historyKey(history.id);
  const bytes = encodeHistory(history);
  const existing = await target.get(key);
  if (existing === undefined) {
    try {
      await target.put(key, bytes);
      return;
    } catch (e) {
      if (!(e instanceof StemeError && e.code === "already_exists")) throw e;
    }
  }
  const stored = decodeHistory(key, existing ?? ((await target.get(key)) as Uint8Array));
  if (stored.parent !== history.parent || stored.branch_lsn !== history.branch_lsn) {
    throw new StemeError(
      "config_invalid",
      `${target.url}/${key} records history ${history.id} with parent ${stored.parent} at lsn ${stored.branch_lsn}; this data dir says parent ${history.parent} at lsn ${history.branch_lsn}`,
      { field: "archive_to", object: key },
    );
  }
}
