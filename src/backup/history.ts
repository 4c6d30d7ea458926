/**
 * Histories (SPEC §7; PostgreSQL's timelines, `timeline.c`, are the model): a
 * data dir belongs to one history, named by an id made when the data dir was
 * created; a restore starts a new history whose parent and branch LSN are
 * recorded before anything depends on them. The records of a history are
 * those of its parent up to `branch_lsn`, then its own.
 *
 * An id is `<compact UTC creation time>-<8 lowercase hex random>`, so lexical
 * order is creation order: the "newest history" is the greatest id. A data dir
 * or a URL from before histories is the ROOT history (`ROOT_HISTORY`, no
 * parent). The record is the same JSON in the data dir (`history.json`) and in
 * the URL (`histories/<id>.json`, backup-layout.ts):
 *
 *   { "id", "parent": id | null, "branch_lsn": number | null, "created_at": ms }
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { StemeError } from "../errors.ts";

export const ROOT_HISTORY = "00000000T000000000Z-00000000";

/** `20261206T093000123Z-0a1b2c3d` (the root id has the same shape). */
export const HISTORY_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

const recordSchema = z.strictObject({
  id: z.string().regex(HISTORY_ID),
  parent: z.string().regex(HISTORY_ID).nullable(),
  branch_lsn: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
  created_at: z.number().int().min(0),
});

export type HistoryRecord = z.infer<typeof recordSchema>;

export const ROOT_RECORD: HistoryRecord = Object.freeze({
  id: ROOT_HISTORY,
  parent: null,
  branch_lsn: null,
  created_at: 0,
});

/** `2026-11-30T13:05:01.123Z` → `20261130T130501123Z` (also the snapshots' time stamp). */
export function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, "");
}

export function newHistoryId(nowMs: number): string {
  return `${compactTime(nowMs)}-${randomBytes(4).toString("hex")}`;
}

/** A first history (a new data dir): no parent. */
export function firstHistory(nowMs: number): HistoryRecord {
  return { id: newHistoryId(nowMs), parent: null, branch_lsn: null, created_at: nowMs };
}

/** The history a restore of `parent` to `branchLsn` starts (SPEC §7). */
export function branchHistory(parent: string, branchLsn: number, nowMs: number): HistoryRecord {
  return { id: newHistoryId(nowMs), parent, branch_lsn: branchLsn, created_at: nowMs };
}

export function encodeHistory(h: HistoryRecord): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(h, null, 2)}\n`);
}

/** Parses a history record; `corrupt_backup` naming `where` when it is not one. */
export function decodeHistory(where: string, bytes: Uint8Array): HistoryRecord {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new StemeError("corrupt_backup", `${where}: not valid JSON`, { object: where }, e);
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StemeError(
      "corrupt_backup",
      `${where}: not a history record: ${issue?.path.join(".") || "(top)"}: ${issue?.message}`,
      { object: where },
    );
  }
  const h = parsed.data;
  if ((h.parent === null) !== (h.branch_lsn === null)) {
    throw new StemeError("corrupt_backup", `${where}: parent and branch_lsn go together`, {
      object: where,
    });
  }
  return h;
}

/** `00000000T…` → "root", else the id: for messages. */
export function historyName(id: string): string {
  return id === ROOT_HISTORY ? `${id} (root)` : id;
}
