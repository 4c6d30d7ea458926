/**
 * Where backups and the archive go (SPEC §7): one small interface with two
 * implementations, a local directory (dir-target.ts) and S3 (s3-target.ts).
 * Both pass one conformance suite (tests/unit/backup/target-conformance.ts).
 *
 * Contract every implementation keeps:
 * - Objects are immutable: `put` on an existing key fails with `already_exists`
 *   and changes nothing. Nothing is ever overwritten in place.
 * - A `put` is all or nothing: an interrupted upload leaves no object that
 *   `get` or `list` would return (retried or resumed by the caller, never
 *   mistaken for complete).
 * - `list` returns complete objects under a prefix in ascending key order
 *   (byte order of the UTF-8 keys, which is S3's), only those after
 *   `startAfter` when it is given (S3 ListObjectsV2 `StartAfter`).
 * - Keys are `/`-separated relative paths of `[A-Za-z0-9._-]` segments.
 * - Bodies are opaque here; object-codec.ts makes them self-verifying.
 * - Large objects (a snapshot's state) go in and come out as chunks
 *   (`putChunks`, `getChunks`), never whole in memory; the same contract holds.
 */

export interface ObjectInfo {
  key: string;
  /** Stored (compressed) size in bytes. */
  size: number;
}

export interface BackupTarget {
  /** The URL it was opened from, for reports (`s3://bucket/prefix` or a directory path). */
  readonly url: string;
  put(key: string, body: Uint8Array): Promise<void>;
  /** `put` of the bytes `chunks` yield in order; an error while iterating them leaves no object. */
  putChunks(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void>;
  /** The object's bytes, or undefined when there is no such (complete) object. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The object's bytes in chunks (iterate once), or undefined when there is no such object. */
  getChunks(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  list(prefix: string, startAfter?: string): Promise<ObjectInfo[]>;
  /** Removes an object; absent is not an error. Used by `prune`. */
  delete(key: string): Promise<void>;
  /**
   * Removes an object and every stored version of it (SPEC §12: a redaction's
   * scrub leaves no copy): on a bucket that keeps versions, each version and
   * delete marker of exactly this key; elsewhere the same as `delete`.
   * Optional for wrappers (tests, verify-backup's reader); call it through
   * `purgeObject`, which deletes where a target has none.
   */
  purge?(key: string): Promise<PurgeReport>;
  /**
   * On a bucket that keeps versions: removes every stored version of the
   * objects under `prefix` that were deleted before (their latest version is a
   * delete marker: what `prune`, or a scrub's delete, left behind), so no
   * noncurrent copy of a deleted object outlives a redaction (SPEC §12).
   * Objects that still exist are not touched. Elsewhere nothing to do.
   */
  purgeDeleted?(prefix: string): Promise<PurgeReport>;
}

export interface PurgeReport {
  /**
   * What the store said about versions: `off` (a directory, or a bucket that
   * never had versioning), `enabled` / `suspended` (S3 GetBucketVersioning),
   * `not_implemented` (an S3-compatible store without versions, e.g. s3rver),
   * `unknown` (a target without `purge`: deleted like `delete`).
   */
  versioning: "off" | "enabled" | "suspended" | "not_implemented" | "unknown";
  /** Versions and delete markers removed (0 where versions are not kept). */
  versions: number;
}

/** `target.purge(key)`, or a plain delete on a target without it. */
export async function purgeObject(target: BackupTarget, key: string): Promise<PurgeReport> {
  if (target.purge !== undefined) return target.purge(key);
  await target.delete(key);
  return { versioning: "unknown", versions: 0 };
}

/** One body as chunks, for targets whose `put` is their `putChunks`. */
export async function* oneChunk(body: Uint8Array): AsyncGenerator<Uint8Array> {
  yield body;
}
