/**
 * The S3 target against the conformance suite, on a real s3rver started here
 * (SPEC §7: never a mock), through s3-harness.ts (small parts, puts cut
 * mid-body by a proxy).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeS3Client, S3Target } from "../../../src/backup/s3-target.ts";
import { S3_BUCKET, type S3rverProcess, startS3rver } from "../../helpers/s3rver-process.ts";
import { s3Harness } from "./s3-harness.ts";
import { targetConformance } from "./target-conformance.ts";

let s3: S3rverProcess;
let n = 0;

beforeAll(async () => {
  s3 = await startS3rver();
}, 30_000);

afterAll(async () => {
  await s3?.[Symbol.asyncDispose]();
});

const harness = (prefix: string) => s3Harness(s3.port, s3.env, { bucket: S3_BUCKET, prefix });

targetConformance("S3Target on s3rver", async () => harness(`t${++n}/`));

// s3rver keeps no versions; it does not know the `versioning` subresource and answers
// GetBucketVersioning with a bucket listing, which the SDK reads as no Status: "off",
// as AWS S3 answers for a bucket that never had versioning. Purge is then a delete.
test("purge on s3rver (no versions): a delete", async () => {
  const t = harness(`purge${++n}/`).target;
  await t.put("archive/x.zst", new Uint8Array([1, 2, 3]));
  expect(await t.purge("archive/x.zst")).toEqual({ versioning: "off", versions: 0 });
  expect(await t.get("archive/x.zst")).toBeUndefined();
  expect(await t.list("")).toEqual([]);
});

test("purge fails (and deletes nothing) when the bucket's versioning cannot be read", async () => {
  // A bucket that does not exist: GetBucketVersioning answers NoSuchBucket, a refusal.
  const client = makeS3Client({ s3ForcePathStyle: true }, s3.env, 1);
  const t = new S3Target(client, { bucket: "no-such-bucket", prefix: "" }, "s3://no-such-bucket");
  const err = await t.purge("archive/x.zst").catch((e: unknown) => e);
  expect(err).toMatchObject({ code: "config_invalid" });
});
