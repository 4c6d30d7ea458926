/**
 * Two archive objects of one history whose LSN ranges overlap (SPEC §7): two
 * shippers that raced hold the same records there, which is harmless; other
 * records at the same LSNs are two histories mixed in one — what the code
 * before histories let a restored server ship beside the history it left.
 * `verify --backup` fails such a history and `restore` refuses to take it.
 * Two objects of exactly the same range are a redaction's replacement (SPEC
 * §12), which callers leave out.
 */
import { StemeError } from "../errors.ts";
import { fetchObject } from "./backup-catalog.ts";
import type { ArchiveRange } from "./backup-layout.ts";
import type { BackupTarget } from "./backup-target.ts";
import { historyName } from "./history.ts";
import { walkLogObject } from "./log-object.ts";

/** The first LSN both objects hold where their frames differ, or undefined. */
export async function overlapDiffers(
  target: BackupTarget,
  a: ArchiveRange,
  b: ArchiveRange,
): Promise<number | undefined> {
  const from = Math.max(a.firstLsn, b.firstLsn);
  const to = Math.min(a.lastLsn, b.lastLsn);
  const framesOf = async (r: ArchiveRange) => {
    const out = new Map<number, Uint8Array>();
    const plain = await fetchObject(target, r.key, { blake3: r.blake3 });
    walkLogObject(r.key, plain, { first_lsn: r.firstLsn, last_lsn: r.lastLsn }, (f) => {
      if (f.lsn >= from && f.lsn <= to) out.set(f.lsn, f.frame);
      return f.lsn < to;
    });
    return out;
  };
  const [x, y] = [await framesOf(a), await framesOf(b)];
  for (let lsn = from; lsn <= to; lsn++) {
    if (Buffer.compare(x.get(lsn) ?? new Uint8Array(0), y.get(lsn) ?? new Uint8Array(0)) !== 0) {
      return lsn;
    }
  }
  return undefined;
}

export function mixedMessage(history: string, a: string, b: string, lsn: number): string {
  return (
    `history ${historyName(history)} mixes records: ${a} and ${b} hold different records at lsn ${lsn} ` +
    "(two histories shipped into one: restore to a point before it, or see `stemedb verify --backup`)"
  );
}

/** `corrupt_backup` for a restore that would take one of two mixed objects. */
export function mixedError(history: string, a: string, b: string, lsn: number): StemeError {
  return new StemeError("corrupt_backup", mixedMessage(history, a, b, lsn), { object: b, lsn });
}
