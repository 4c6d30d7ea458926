/**
 * S3 (or any S3-compatible store) as a backup target (SPEC §7), on
 * @aws-sdk/client-s3. Keeps the BackupTarget contract (backup-target.ts):
 *
 * - Immutability without conditional writes (s3rver and older stores have no
 *   `If-None-Match`; SPEC §11): `put` HEADs the key first and refuses an
 *   existing one with `already_exists`. With a single writer per URL (one
 *   server or one `archive-wal` at a time, which the archive's LSN naming
 *   assumes anyway) that means nothing written earlier is ever overwritten.
 *   Two concurrent writers could both pass the HEAD; archive keys carry the
 *   BLAKE3 of their content, so the later PUT rewrites the same bytes.
 * - All or nothing: every put is a multipart upload (one part for bodies up
 *   to `partBytes`). AWS S3 stores a single PUT whole or not at all, but not
 *   every S3-compatible store does: s3rver kept a truncated object when a
 *   PUT's connection died mid-body (tests/unit/backup/s3-target.test.ts found
 *   it), and a truncated object at the final key would then pass the HEAD as
 *   "already shipped". A multipart upload is no object until
 *   CompleteMultipartUpload names parts whose uploads were answered, so an
 *   interrupted one — even by SIGKILL — is never listed or returned. It is
 *   aborted when we still can (a bucket lifecycle rule for incomplete uploads
 *   cleans up the rest).
 * - Transient errors (network, 5xx, throttling) are retried with exponential
 *   back-off and jitter by the SDK's standard retry strategy (`maxAttempts`),
 *   per request, so one failed part does not restart the upload. What still
 *   fails becomes `backup_unavailable`; the caller retries later.
 * - Every part carries Content-MD5, so AWS S3 and MinIO reject bytes damaged
 *   in transit (s3rver does not check it); the object codec's BLAKE3 catches
 *   everything after that, when the object is read.
 * - `purge` (a redaction's scrub, SPEC §12) removes every version: it asks
 *   GetBucketVersioning each time (a bucket's versioning can be turned on at
 *   any moment), and where it is Enabled or Suspended deletes each version and
 *   delete marker of exactly the key (ListObjectVersions, DeleteObject with
 *   VersionId), then lists again until none is left. A store that answers
 *   NotImplemented (s3rver) keeps no versions: a plain delete is all there is.
 *   It needs s3:GetBucketVersioning, s3:ListBucketVersions and
 *   s3:DeleteObjectVersion; a refusal fails the purge (the scrub retries).
 *   `purgeDeleted` does the same for every object under a prefix whose latest
 *   version is a delete marker (deleted before, by `prune` or a scrub).
 */
import { createHash } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { StemeError } from "../errors.ts";
import { type BackupTarget, type ObjectInfo, oneChunk, type PurgeReport } from "./backup-target.ts";
import { checkKey } from "./dir-target.ts";
import type { S3Location, TargetConfig, TargetEnv } from "./open-target.ts";

const MiB = 1024 * 1024;

export interface S3TargetOptions {
  /** Part size of the multipart uploads (default 8 MiB; S3's minimum is 5 MiB but for the last part). */
  partBytes?: number;
}

/**
 * The S3 client from the AWS SDK's standard settings. Values present in `env`
 * (the CLI's environment) are passed explicitly; absent ones are left to the
 * SDK's own resolution (its default credential chain, profiles, instance role).
 * Checksum calculation is WHEN_REQUIRED (SPEC §7, §11): custom endpoints such
 * as s3rver reject the SDK's default flexible checksums; integrity comes from
 * Content-MD5 and the object codec instead.
 */
export function makeS3Client(config: TargetConfig, env: TargetEnv, maxAttempts = 5): S3Client {
  const options: S3ClientConfig = {
    forcePathStyle: config.s3ForcePathStyle,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    retryMode: "standard",
    // AWS_MAX_ATTEMPTS is the SDK's own setting for this.
    maxAttempts: Number(env.AWS_MAX_ATTEMPTS) || maxAttempts,
  };
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (endpoint) options.endpoint = endpoint;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (region) options.region = region;
  else if (endpoint) options.region = "us-east-1"; // custom stores ignore it, the SDK wants one
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    options.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  return new S3Client(options);
}

const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("base64");

function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: string }).name;
  if (name === "NoSuchBucket") return false; // the target itself is missing, not the object
  return name === "NotFound" || name === "NoSuchKey" || httpStatus(e) === 404;
}

/** S3 answers that no retry will change: the credentials, the access or the bucket are wrong. */
const REFUSALS = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "AllAccessDisabled",
  "AccountProblem",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "AuthorizationHeaderMalformed",
  "InvalidBucketName",
  "NoSuchBucket",
  "PermanentRedirect",
  "CredentialsProviderError",
]);

/**
 * SPEC §7 "bad targets fail early and say why": an authentication or
 * authorization error, or a missing bucket, is a configuration error
 * (`config_invalid`: exit 2), not an outage to retry.
 */
export function isRefusal(e: unknown): boolean {
  const name = (e as { name?: string }).name ?? "";
  const status = httpStatus(e);
  return REFUSALS.has(name) || status === 401 || status === 403;
}

export class S3Target implements BackupTarget {
  readonly url: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partBytes: number;

  constructor(client: S3Client, location: S3Location, url: string, options: S3TargetOptions = {}) {
    this.#client = client;
    this.#bucket = location.bucket;
    this.#prefix = location.prefix;
    this.url = url;
    this.#partBytes = options.partBytes ?? 8 * MiB;
    if (this.#partBytes < 1) throw new RangeError("partBytes must be at least 1");
  }

  #unavailable(what: string, key: string, e: unknown): StemeError {
    const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (isRefusal(e)) {
      const status = httpStatus(e);
      return new StemeError(
        "config_invalid",
        `the backup target ${this.url} refused to ${what} ${key} (${why}${status === undefined ? "" : `, HTTP ${status}`}): ` +
          "check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), " +
          `the access they are granted on the bucket, and that bucket ${this.#bucket} exists`,
        { field: "target", object: key },
        e,
      );
    }
    return new StemeError(
      "backup_unavailable",
      `cannot ${what} ${this.url}/${key}: ${why}`,
      { object: key },
      e,
    );
  }

  async #exists(full: string, key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: full }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw this.#unavailable("check", key, e);
    }
  }

  put(key: string, body: Uint8Array): Promise<void> {
    return this.putChunks(key, oneChunk(body));
  }

  async putChunks(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    checkKey(key);
    const full = this.#prefix + key;
    if (await this.#exists(full, key)) {
      throw new StemeError("already_exists", `backup object ${key} already exists`, {
        object: key,
      });
    }
    try {
      await this.#multipart(full, chunks);
    } catch (e) {
      if (e instanceof StemeError) throw e;
      throw this.#unavailable("upload", key, e);
    }
  }

  async #multipart(full: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const created = await this.#client.send(
      new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: full }),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new Error("CreateMultipartUpload returned no UploadId");
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      const upload = async (part: Uint8Array) => {
        const n = parts.length + 1;
        const out = await this.#client.send(
          new UploadPartCommand({
            Bucket: this.#bucket,
            Key: full,
            UploadId: uploadId,
            PartNumber: n,
            Body: part,
            ContentLength: part.length,
            ContentMD5: md5(part),
          }),
        );
        parts.push({ ETag: out.ETag ?? "", PartNumber: n });
      };
      // Parts of exactly partBytes but the last; one part in memory at a time.
      let part = new Uint8Array(this.#partBytes);
      let filled = 0;
      for await (const chunk of chunks) {
        for (let at = 0; at < chunk.length; ) {
          const take = Math.min(chunk.length - at, part.length - filled);
          part.set(chunk.subarray(at, at + take), filled);
          filled += take;
          at += take;
          if (filled === part.length) {
            await upload(part);
            part = new Uint8Array(this.#partBytes);
            filled = 0;
          }
        }
      }
      // An empty body is one empty part: a multipart upload needs at least one.
      if (filled > 0 || parts.length === 0) await upload(part.subarray(0, filled));
      await this.#client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.#bucket,
          Key: full,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (e) {
      // Best effort: the upload is invisible either way; aborting frees its parts.
      await this.#client
        .send(
          new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: full, UploadId: uploadId }),
        )
        .catch(() => {});
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key);
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
      );
      if (out.Body === undefined) return new Uint8Array(0);
      return await out.Body.transformToByteArray();
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.#unavailable("read", key, e);
    }
  }

  async getChunks(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    checkKey(key);
    let body: ReadableStream<Uint8Array> | undefined;
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
      );
      body = out.Body?.transformToWebStream() as ReadableStream<Uint8Array> | undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.#unavailable("read", key, e);
    }
    const unavailable = (e: unknown) => this.#unavailable("read", key, e);
    return (async function* () {
      if (body === undefined) return;
      try {
        for await (const chunk of body) yield chunk;
      } catch (e) {
        throw unavailable(e);
      }
    })();
  }

  async list(prefix: string, startAfter?: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: this.#prefix + prefix,
            ...(startAfter ? { StartAfter: this.#prefix + startAfter } : {}),
            ContinuationToken: token,
          }),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue;
          out.push({ key: o.Key.slice(this.#prefix.length), size: o.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (e) {
      throw this.#unavailable("list", prefix, e);
    }
    // S3 lists in UTF-8 byte order already; sort anyway so every store agrees.
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    try {
      await this.#client.send(
        new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
      );
    } catch (e) {
      if (isNotFound(e)) return;
      throw this.#unavailable("delete", key, e);
    }
  }

  async purge(key: string): Promise<PurgeReport> {
    checkKey(key);
    const versioning = await this.#versioning(key);
    if (versioning === "off" || versioning === "not_implemented") {
      await this.delete(key);
      return { versioning, versions: 0 };
    }
    const full = this.#prefix + key;
    let versions = 0;
    // A version written while we delete (a retried upload) shows in the next listing.
    for (let round = 0; round < 5; round++) {
      const found = await this.#versionsOf(full);
      if (found.length === 0) return { versioning, versions };
      for (const VersionId of found) {
        try {
          await this.#client.send(
            new DeleteObjectCommand({ Bucket: this.#bucket, Key: full, VersionId }),
          );
        } catch (e) {
          if (!isNotFound(e)) throw this.#unavailable("delete a version of", key, e);
        }
        versions++;
      }
    }
    throw new StemeError(
      "backup_unavailable",
      `${this.url}/${key}: versions are still listed after five rounds of deleting them`,
      { object: key },
    );
  }

  async purgeDeleted(prefix: string): Promise<PurgeReport> {
    const versioning = await this.#versioning(prefix);
    if (versioning === "off" || versioning === "not_implemented")
      return { versioning, versions: 0 };
    let versions = 0;
    for (const [full, ids] of await this.#deletedVersions(this.#prefix + prefix)) {
      for (const VersionId of ids) {
        try {
          await this.#client.send(
            new DeleteObjectCommand({ Bucket: this.#bucket, Key: full, VersionId }),
          );
        } catch (e) {
          if (!isNotFound(e)) {
            throw this.#unavailable("delete a version of", full.slice(this.#prefix.length), e);
          }
        }
        versions++;
      }
    }
    return { versioning, versions };
  }

  /** Per key under `full` whose latest version is a delete marker: every version id it has. */
  async #deletedVersions(full: string): Promise<Map<string, string[]>> {
    const ids = new Map<string, string[]>();
    const deleted = new Set<string>();
    for (const v of await this.#listVersions(full)) {
      ids.set(v.key, [...(ids.get(v.key) ?? []), v.id]);
      if (v.latestMarker) deleted.add(v.key);
    }
    return new Map([...ids].filter(([key]) => deleted.has(key)));
  }

  async #versioning(key: string): Promise<PurgeReport["versioning"]> {
    try {
      const out = await this.#client.send(new GetBucketVersioningCommand({ Bucket: this.#bucket }));
      if (out.Status === "Enabled") return "enabled";
      return out.Status === "Suspended" ? "suspended" : "off";
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name === "NotImplemented" || httpStatus(e) === 501) return "not_implemented";
      throw this.#unavailable("read the versioning of the bucket for", key, e);
    }
  }

  /** The version ids (versions and delete markers) of exactly `full`. */
  async #versionsOf(full: string): Promise<string[]> {
    // The prefix also matches longer keys.
    return (await this.#listVersions(full)).filter((v) => v.key === full).map((v) => v.id);
  }

  /** Every version and delete marker under the prefix `full` (a version with no id is the "null" one). */
  async #listVersions(full: string): Promise<{ key: string; id: string; latestMarker: boolean }[]> {
    const out: { key: string; id: string; latestMarker: boolean }[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    try {
      for (;;) {
        const page = await this.#client.send(
          new ListObjectVersionsCommand({
            Bucket: this.#bucket,
            Prefix: full,
            KeyMarker: keyMarker,
            VersionIdMarker: versionMarker,
          }),
        );
        for (const v of page.Versions ?? []) {
          out.push({ key: v.Key as string, id: v.VersionId ?? "null", latestMarker: false });
        }
        for (const m of page.DeleteMarkers ?? []) {
          out.push({ key: m.Key as string, id: m.VersionId ?? "null", latestMarker: !!m.IsLatest });
        }
        if (!page.IsTruncated) return out;
        keyMarker = page.NextKeyMarker;
        versionMarker = page.NextVersionIdMarker;
      }
    } catch (e) {
      throw this.#unavailable("list the versions of", full.slice(this.#prefix.length), e);
    }
  }
}
