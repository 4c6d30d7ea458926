/**
 * A snapshot's `metadata.json` (SPEC §7): format version, creation time, the
 * point the SQLite snapshot was taken at, the point its log tail reaches, the
 * root and a signed tree head for each, and every object's size and BLAKE3.
 * Written last, so its presence marks the snapshot complete.
 *
 * It stays readable JSON for operators, and is self-checking: `checksum` is
 * BLAKE3 of the RFC 8785 encoding of every other member, so a changed byte is
 * caught (a changed value fails the checksum, a broken one fails the parse),
 * and the tree heads are signed by the node key. Unknown formats fail closed.
 *
 *   snapshot_lsn, snapshot_tree_size, snapshot_at, snapshot_sth
 *       the SQLite snapshot: applied up to snapshot_lsn; every record in it was
 *       received at or before snapshot_at (ms)
 *   last_lsn, tree_size, root, sth
 *       where the snapshot plus log.zst lead (last_lsn ≥ snapshot_lsn)
 *   last_record_at   received_at / at of the record at last_lsn, when known
 */
import { z } from "zod";
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import type { SignedTreeHead } from "../merkle/tree-head.ts";
import { blake3 } from "../protocol/blake3.ts";
import { canonicalBytes } from "../protocol/canonical.ts";

export const BACKUP_FORMAT = 1;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const count = () => z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const sthSchema = z.strictObject({
  tree_size: count(),
  root: hex(32),
  timestamp: count(),
  server_key: hex(32),
  signature: hex(64),
});

const objectSchema = z.strictObject({
  /** Object name inside the snapshot's prefix (`state.sqlite.zst`, `log.zst`). */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/),
  /** Stored (compressed) bytes. */
  size: count(),
  plain_size: count(),
  blake3: hex(32),
});

const metadataSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  stemedb_version: z.string(),
  created_at: count(),
  snapshot_lsn: count(),
  snapshot_tree_size: count(),
  snapshot_at: count(),
  snapshot_sth: sthSchema,
  last_lsn: count(),
  tree_size: count(),
  root: hex(32),
  sth: sthSchema,
  last_record_at: count().nullable(),
  objects: z.array(objectSchema),
  checksum: hex(32),
});

export type BackupMetadata = z.infer<typeof metadataSchema>;
export type BackupObjectEntry = z.infer<typeof objectSchema>;
export type MetadataFields = Omit<BackupMetadata, "checksum" | "format">;

function checksumOf(fields: Omit<BackupMetadata, "checksum">): string {
  return toHex(blake3(canonicalBytes(fields)));
}

export function encodeMetadata(fields: MetadataFields): Uint8Array {
  const body = { format: BACKUP_FORMAT, ...fields } as Omit<BackupMetadata, "checksum">;
  const full: BackupMetadata = { ...body, checksum: checksumOf(body) };
  return new TextEncoder().encode(`${JSON.stringify(full, null, 2)}\n`);
}

/** Parses and checks a metadata.json; throws `corrupt_backup` naming `key`. */
export function decodeMetadata(key: string, bytes: Uint8Array): BackupMetadata {
  const bad = (why: string, cause?: unknown) =>
    new StemeError("corrupt_backup", `backup object ${key}: ${why}`, { object: key }, cause);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw bad("not valid JSON", e);
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (typeof format === "number" && format !== BACKUP_FORMAT) {
    throw bad(`unknown backup format ${format} (this build reads format ${BACKUP_FORMAT})`);
  }
  const parsed = metadataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bad(`malformed: ${issue?.path.join(".") || "(top)"}: ${issue?.message}`);
  }
  const { checksum, ...rest } = parsed.data;
  const actual = checksumOf(rest);
  if (actual !== checksum) throw bad(`checksum ${actual} where ${checksum} was recorded`);
  const m = parsed.data;
  if (m.last_lsn < m.snapshot_lsn || m.tree_size < m.snapshot_tree_size) {
    throw bad("its log tail ends before its snapshot");
  }
  if (m.sth.tree_size !== m.tree_size || m.sth.root !== m.root) {
    throw bad("its STH is not for its tree_size and root");
  }
  if (m.snapshot_sth.tree_size !== m.snapshot_tree_size) {
    throw bad("its snapshot STH is not for its snapshot_tree_size");
  }
  return m;
}

export type { SignedTreeHead };
