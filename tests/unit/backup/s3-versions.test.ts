/**
 * S3Target.purge on a store that keeps versions (SPEC §12: a scrubbed object
 * goes "with every version where the bucket keeps versions"): Ceph's RADOS
 * Gateway on a throwaway one-OSD cluster (tests/helpers/rgw-process.ts), since
 * s3rver keeps no versions. The BackupTarget conformance suite on a versioned
 * bucket; purge with versioning Enabled and Suspended, and refused (a bucket
 * policy, Object Lock); `purgeDeleted` (the versions of objects deleted
 * before); then the redaction archive scrub end to end on a versioned bucket,
 * with a snapshot object prune had deleted: afterwards no version of any
 * object in the bucket, decompressed, holds the marker.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { decodeObject } from "../../../src/backup/object-codec.ts";
import { makeS3Client, S3Target } from "../../../src/backup/s3-target.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import { redactThrough, scrubJobFor, writeMarked } from "../../helpers/redact-engine.ts";
import { RGW_TOOLS, type RgwProcess, startRgw } from "../../helpers/rgw-process.ts";
import { shipDataDir } from "../../helpers/ship-data-dir.ts";
import { openTestApp } from "../http/http-test-helpers.ts";
import { s3Harness } from "./s3-harness.ts";
import { targetConformance } from "./target-conformance.ts";

let rgw: RgwProcess;
let client: S3Client;
let n = 0;

interface Version {
  key: string;
  versionId: string;
  deleteMarker: boolean;
}

/** Every version and delete marker in the bucket (under `prefix`), in the store's order. */
async function versions(bucket: string, prefix = ""): Promise<Version[]> {
  const out: Version[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, VersionIdMarker }),
    );
    for (const [list, deleteMarker] of [
      [page.Versions ?? [], false],
      [page.DeleteMarkers ?? [], true],
    ] as const) {
      for (const v of list) {
        out.push({ key: v.Key as string, versionId: v.VersionId ?? "null", deleteMarker });
      }
    }
    if (!page.IsTruncated) return out;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

async function newBucket(versioned: boolean): Promise<string> {
  const bucket = `stemedb-v${++n}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  if (versioned) {
    await client.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: "Enabled" },
      }),
    );
  }
  return bucket;
}

const put = (bucket: string, key: string, body: string) =>
  client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
const remove = (bucket: string, key: string) =>
  client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
const target = (bucket: string, prefix = "") =>
  new S3Target(client, { bucket, prefix }, `s3://${bucket}/${prefix}`);

describe(`S3Target.purge on Ceph RGW, a store that keeps versions${RGW_TOOLS.skipReason}`, () => {
  beforeAll(async () => {
    if (!RGW_TOOLS.ok) return;
    rgw = await startRgw();
    client = makeS3Client({ s3ForcePathStyle: true }, rgw.env, 2);
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    await rgw?.[Symbol.asyncDispose]();
  }, 60_000);

  // The whole BackupTarget contract on a bucket that keeps versions, each run under its own prefix.
  let conformanceBucket: Promise<string> | undefined;
  targetConformance(
    "S3Target on Ceph RGW, a versioned bucket",
    async () => {
      conformanceBucket ??= newBucket(true);
      return s3Harness(rgw.port, rgw.env, { bucket: await conformanceBucket, prefix: `t${++n}/` });
    },
    RGW_TOOLS.ok ? {} : { skip: RGW_TOOLS.skipReason },
  );

  test.skipIf(!RGW_TOOLS.ok)(
    "purgeDeleted: every version of the objects deleted before under the prefix goes; live objects and other prefixes keep theirs",
    async () => {
      const bucket = await newBucket(true);
      await put(bucket, "db/archive/pruned.zst", "one");
      await put(bucket, "db/archive/pruned.zst", "two");
      await remove(bucket, "db/archive/pruned.zst"); // prune's delete: a marker on top
      await put(bucket, "db/archive/live.zst", "live");
      await put(bucket, "db/archive/revived.zst", "old");
      await remove(bucket, "db/archive/revived.zst");
      await put(bucket, "db/archive/revived.zst", "new"); // deleted, then written again: live
      await put(bucket, "db/redactions/r.json", "ledger");
      await remove(bucket, "db/redactions/r.json"); // outside the prefix
      const report = await target(bucket, "db/").purgeDeleted("archive/");
      expect(report).toEqual({ versioning: "enabled", versions: 3 });
      const left = (await versions(bucket)).map(
        (v) => `${v.key}${v.deleteMarker ? " (marker)" : ""}`,
      );
      expect(left.sort()).toEqual(
        [
          "db/archive/live.zst",
          "db/archive/revived.zst",
          "db/archive/revived.zst",
          "db/archive/revived.zst (marker)",
          "db/redactions/r.json",
          "db/redactions/r.json (marker)",
        ].sort(),
      );
      // A bucket that never kept versions: nothing to do.
      const plain = await newBucket(false);
      expect(await target(plain).purgeDeleted("archive/")).toEqual({
        versioning: "off",
        versions: 0,
      });
    },
    60_000,
  );

  test.skipIf(!RGW_TOOLS.ok)(
    "Enabled: every version and delete marker of exactly the key goes; neighbours keep theirs",
    async () => {
      const bucket = await newBucket(true);
      const key = "p/archive/a.zst";
      await put(bucket, key, "one");
      await put(bucket, key, "two");
      await remove(bucket, key); // a delete marker
      await put(bucket, key, "three");
      // Neighbours: a longer key the prefix listing also matches, and another key.
      await put(bucket, `${key}.tmp`, "x");
      await put(bucket, "p/archive/b.zst", "b1");
      await put(bucket, "p/archive/b.zst", "b2");
      const before = await versions(bucket);
      expect(before.filter((v) => v.key === key).map((v) => v.deleteMarker)).toEqual(
        expect.arrayContaining([false, false, false, true]),
      );
      expect(before.filter((v) => v.key === key)).toHaveLength(4);

      expect(await target(bucket, "p/").purge("archive/a.zst")).toEqual({
        versioning: "enabled",
        versions: 4,
      });
      const after = await versions(bucket);
      expect(after.filter((v) => v.key === key)).toEqual([]);
      expect(after).toEqual(before.filter((v) => v.key !== key));
      expect(await target(bucket, "p/").get("archive/b.zst")).toEqual(
        new TextEncoder().encode("b2"),
      );
      // Nothing left to purge: one listing, no deletes.
      expect(await target(bucket, "p/").purge("archive/a.zst")).toEqual({
        versioning: "enabled",
        versions: 0,
      });
    },
    60_000,
  );

  test.skipIf(!RGW_TOOLS.ok)(
    "Suspended: the versions from while it was Enabled and the null version go too",
    async () => {
      const bucket = await newBucket(true);
      await put(bucket, "k.zst", "one");
      await put(bucket, "k.zst", "two");
      await put(bucket, "other.zst", "o");
      await client.send(
        new PutBucketVersioningCommand({
          Bucket: bucket,
          VersioningConfiguration: { Status: "Suspended" },
        }),
      );
      await put(bucket, "k.zst", "three"); // the "null" version
      await remove(bucket, "k.zst"); // replaces it with a null delete marker
      const before = await versions(bucket);
      expect(before.filter((v) => v.key === "k.zst").map((v) => v.versionId)).toContain("null");
      expect(before.filter((v) => v.key === "k.zst")).toHaveLength(3);

      expect(await target(bucket).purge("k.zst")).toEqual({ versioning: "suspended", versions: 3 });
      expect(await versions(bucket)).toEqual(before.filter((v) => v.key !== "k.zst"));
    },
    60_000,
  );

  test.skipIf(!RGW_TOOLS.ok)(
    "a refused version delete (a bucket policy, Object Lock retention) fails the purge; the version stays",
    async () => {
      const denied = await newBucket(true);
      await put(denied, "k.zst", "one");
      await client.send(
        new PutBucketPolicyCommand({
          Bucket: denied,
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Deny",
                Principal: "*",
                Action: ["s3:DeleteObjectVersion"],
                Resource: [`arn:aws:s3:::${denied}/*`],
              },
            ],
          }),
        }),
      );
      const locked = `stemedb-v${++n}`;
      await client.send(
        new CreateBucketCommand({ Bucket: locked, ObjectLockEnabledForBucket: true }),
      );
      await put(locked, "k.zst", "one");
      await client.send(
        new PutObjectRetentionCommand({
          Bucket: locked,
          Key: "k.zst",
          Retention: { Mode: "COMPLIANCE", RetainUntilDate: new Date(Date.now() + 86_400_000) },
        }),
      );
      for (const bucket of [denied, locked]) {
        const before = await versions(bucket);
        const err = await target(bucket)
          .purge("k.zst")
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ code: "config_invalid" });
        expect(String((err as Error).message)).toContain("AccessDenied");
        expect(await versions(bucket)).toEqual(before);
      }
    },
    60_000,
  );

  test.skipIf(!RGW_TOOLS.ok)(
    "a bucket that never had versioning: a plain delete",
    async () => {
      const bucket = await newBucket(false);
      await put(bucket, "k.zst", "one");
      expect(await target(bucket).purge("k.zst")).toEqual({ versioning: "off", versions: 0 });
      expect(await versions(bucket)).toEqual([]);
    },
    60_000,
  );

  test.skipIf(!RGW_TOOLS.ok)(
    "the archive scrub on a versioned bucket: no version of any object holds the redacted marker",
    async () => {
      const bucket = await newBucket(true);
      const url = target(bucket, "db/");
      const t = await openTestApp();
      const job = scrubJobFor(t, url);
      /** Every version's key whose body (decompressed for an object) holds the marker. */
      const holding = async (marker: string) => {
        const found: string[] = [];
        for (const v of await versions(bucket)) {
          if (v.deleteMarker) continue;
          const got = await client.send(
            new GetObjectCommand({ Bucket: bucket, Key: v.key, VersionId: v.versionId }),
          );
          const raw = await (got.Body?.transformToByteArray() ?? new Uint8Array(0));
          const plain = v.key.endsWith(".zst") ? decodeObject(v.key, raw) : raw;
          if (Buffer.from(plain).includes(Buffer.from(marker))) found.push(v.key);
        }
        return found;
      };
      try {
        const { marker, operator, targetId } = await writeMarked(t.engine);
        await shipDataDir(url, t.dir);
        await takeBackup({ dataDir: t.dir, target: url, version: "t" });
        // The archive object and the snapshot's objects hold the marker; the archive
        // object gets a second version of the same bytes (two writers both passed the HEAD).
        const shipped = await holding(marker);
        expect(shipped.length).toBeGreaterThanOrEqual(2);
        const archived = shipped.find((k) => k.startsWith("db/archive/")) as string;
        expect(archived).toBeDefined();
        const again = await client.send(new GetObjectCommand({ Bucket: bucket, Key: archived }));
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: archived,
            Body: await (again.Body?.transformToByteArray() ?? new Uint8Array(0)),
          }),
        );
        expect((await versions(bucket, archived)).length).toBe(2);
        // A snapshot object prune deleted before the redaction: its version stays behind a marker.
        const stateKey = shipped.find((k) => k.endsWith("state.sqlite.zst")) as string;
        const pruned = stateKey.replace(
          /snapshots\/[^/]+\//,
          "snapshots/0000000000000001-20200101T000000000Z/",
        );
        const state = await client.send(new GetObjectCommand({ Bucket: bucket, Key: stateKey }));
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: pruned,
            Body: await (state.Body?.transformToByteArray() ?? new Uint8Array(0)),
          }),
        );
        await remove(bucket, pruned);
        expect(await holding(marker)).toContain(pruned);

        await redactThrough(t.engine, operator, targetId);
        await shipDataDir(url, t.dir);
        await job.run(); // replaces the archive object and rebuilds the snapshot
        await job.run(); // finds nothing left: confirmed
        expect(await holding(marker)).toEqual([]);
        expect(await versions(bucket, archived)).toEqual([]);
        // The scrubbed archive and snapshot are there (one version each, no marker).
        const keys = (await versions(bucket)).map((v) => v.key);
        expect(keys.some((k) => k.startsWith("db/archive/") && k !== archived)).toBe(true);
        expect(keys.filter((k) => k.endsWith("metadata.json")).length).toBe(1);
      } finally {
        await job.stop();
        await t.close();
      }
    },
    120_000,
  );
});
