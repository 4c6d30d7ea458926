/**
 * The S3 target against the conformance suite, on a real s3rver started here
 * (SPEC §7: never a mock). Small parts (512 KiB) keep the multipart tests
 * quick. Interrupted puts go through a TCP
 * proxy that cuts the connection mid-body and then refuses connections (the
 * SDK's retries fail too), so the store sees a dead upload — for a large body
 * after some parts of a multipart upload arrived, which must stay invisible.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeS3Client, S3Target } from "../../../src/backup/s3-target.ts";
import { cutProxy } from "../../helpers/cut-proxy.ts";
import { S3_BUCKET, type S3rverProcess, startS3rver } from "../../helpers/s3rver-process.ts";
import { targetConformance } from "./target-conformance.ts";

const MiB = 1024 * 1024;
const SIZES = { partBytes: MiB / 2 };
let s3: S3rverProcess;
let n = 0;

beforeAll(async () => {
  s3 = await startS3rver();
}, 30_000);

afterAll(async () => {
  await s3?.[Symbol.asyncDispose]();
});

function target(endpoint: string, prefix: string, maxAttempts = 3): S3Target {
  const client = makeS3Client(
    { s3ForcePathStyle: true },
    { ...s3.env, AWS_ENDPOINT_URL_S3: endpoint },
    maxAttempts,
  );
  return new S3Target(client, { bucket: S3_BUCKET, prefix }, `s3://${S3_BUCKET}/${prefix}`, SIZES);
}

targetConformance("S3Target on s3rver", async () => {
  const prefix = `t${++n}/`;
  return {
    target: target(s3.endpoint, prefix),
    largeBytes: SIZES.partBytes,
    async interruptedPut(key, body) {
      // Cut once a bit more than half of the body went out: mid-part for a small put,
      // after at least one whole part of a multipart upload.
      await using proxy = await cutProxy(s3.port, Math.floor(body.length * 0.6));
      const through = target(`http://127.0.0.1:${proxy.port}`, prefix, 2);
      const err = await through.put(key, body).catch((e: unknown) => e);
      if (!(err instanceof Error)) throw new Error("the put through a cut connection succeeded");
      if (!proxy.cut) throw new Error("the proxy never cut the upload");
    },
  };
});

// s3rver keeps no versions; it does not know the `versioning` subresource and answers
// GetBucketVersioning with a bucket listing, which the SDK reads as no Status: "off",
// as AWS S3 answers for a bucket that never had versioning. Purge is then a delete.
test("purge on s3rver (no versions): a delete", async () => {
  const t = target(s3.endpoint, `purge${++n}/`);
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
