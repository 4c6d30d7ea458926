/**
 * Where a restore stops (SPEC §7): the latest record the backup holds, the
 * assertion with seq N (`--until-seq`), or the last record written at or before
 * a time (`--until-time`). Records are taken in LSN order — the order the
 * server applied them — so status changes and registry updates written before
 * the cut come along, and none written after it:
 *
 *   latest   every record the chain holds
 *   seq N    every record up to and including the assertion with seq N
 *   time T   every record up to the first one written after T (received_at /
 *            at, server clock); a clock step backwards cannot pull later
 *            records in, the first later record ends it
 */
import { type DomainRecord, isLeafRecord } from "../engine/log-records.ts";
import type { BackupMetadata } from "./backup-metadata.ts";
import { domainRecordTime } from "./record-time.ts";

export type RestorePoint =
  | { kind: "latest" }
  | { kind: "seq"; seq: number }
  | { kind: "time"; ms: number };

export function describePoint(p: RestorePoint): string {
  if (p.kind === "latest") return "the latest record";
  if (p.kind === "seq") return `seq ${p.seq}`;
  return `${new Date(p.ms).toISOString()}`;
}

/** A snapshot can start the restore when its state holds nothing after the point. */
export function snapshotUsable(m: BackupMetadata, p: RestorePoint): boolean {
  if (p.kind === "seq") return m.snapshot_tree_size <= p.seq;
  if (p.kind === "time") return m.snapshot_at <= p.ms;
  return true;
}

/** Walks records in LSN order and says which to take; `reached` once the point is known hit. */
export class PointCutter {
  #stopped = false;
  #reached: boolean;

  constructor(
    readonly point: RestorePoint,
    startTreeSize: number,
  ) {
    this.#reached = point.kind === "seq" && startTreeSize >= point.seq;
    this.#stopped = this.#reached;
  }

  /** True: take the record. False: the point is behind; take nothing more. */
  take(record: DomainRecord): boolean {
    if (this.#stopped) return false;
    const p = this.point;
    if (p.kind === "time" && domainRecordTime(record) > p.ms) {
      this.#reached = true;
      this.#stopped = true;
      return false;
    }
    if (p.kind === "seq" && isLeafRecord(record) && record.body.seq >= p.seq) {
      this.#reached = true;
      this.#stopped = true;
      return record.body.seq === p.seq;
    }
    return true;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** The point lies inside what was read (for `latest`, never: the end of the chain is the point). */
  get reached(): boolean {
    return this.#reached;
  }
}
