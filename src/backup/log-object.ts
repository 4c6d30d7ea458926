/**
 * Walking the frames of a log object (a snapshot's log.zst or an archive
 * object, backup-layout.ts): every frame's length, CRC32C and LSN is checked
 * (record-frame.ts `FrameCursor`, the segment log's own decoder), and the
 * object must hold exactly the LSN range its manifest or name claims.
 */
import { StemeError } from "../errors.ts";
import { FrameCursor } from "../log/record-frame.ts";

export interface LogObjectFrame {
  lsn: number;
  type: number;
  payload: Uint8Array;
  /** The whole frame, as a view into the object's bytes. */
  frame: Uint8Array;
}

/**
 * Calls `onFrame` for each frame in order until it returns false; then, or at
 * the end, checks the object. Throws `corrupt_backup` naming `key`.
 */
export function walkLogObject(
  key: string,
  plain: Uint8Array,
  range: { first_lsn: number; last_lsn: number },
  onFrame: (f: LogObjectFrame) => boolean = () => true,
): void {
  const bad = (why: string) =>
    new StemeError("corrupt_backup", `backup object ${key}: ${why}`, { object: key });
  const cursor = new FrameCursor(plain, 0, range.first_lsn);
  let wanted = true;
  for (let at = 0; cursor.next(); at = cursor.offset) {
    if (!wanted) continue;
    wanted = onFrame({
      lsn: cursor.lsn,
      type: cursor.type,
      payload: cursor.payload(),
      frame: plain.subarray(at, cursor.offset),
    });
  }
  if (cursor.problem !== undefined) throw bad(`frame at byte ${cursor.offset}: ${cursor.problem}`);
  if (cursor.nextLsn - 1 !== range.last_lsn) {
    throw bad(
      `holds lsn ${range.first_lsn}..${cursor.nextLsn - 1}, its manifest says ..${range.last_lsn}`,
    );
  }
}
