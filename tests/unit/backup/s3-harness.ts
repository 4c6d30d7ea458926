/**
 * The conformance harness (target-conformance.ts) of an S3Target on a real S3
 * server listening on 127.0.0.1 (s3rver, Ceph RGW). Small parts (512 KiB) keep
 * the multipart tests quick. Interrupted puts go through a TCP proxy that cuts
 * the connection mid-body and then refuses connections (the SDK's retries fail
 * too), so the store sees a dead upload — for a large body after some parts
 * of a multipart upload arrived, which must stay invisible.
 */
import type { S3Location } from "../../../src/backup/open-target.ts";
import { makeS3Client, S3Target } from "../../../src/backup/s3-target.ts";
import { cutProxy } from "../../helpers/cut-proxy.ts";
import type { TargetHarness } from "./target-conformance.ts";

const SIZES = { partBytes: 512 * 1024 };

/** `env`: the AWS SDK environment of the server (credentials, region, path-style). */
export function s3Harness(
  port: number,
  env: Record<string, string>,
  location: S3Location,
): TargetHarness & { target: S3Target } {
  const at = (endpoint: string, maxAttempts: number) =>
    new S3Target(
      makeS3Client(
        { s3ForcePathStyle: true },
        { ...env, AWS_ENDPOINT_URL_S3: endpoint },
        maxAttempts,
      ),
      location,
      `s3://${location.bucket}/${location.prefix}`,
      SIZES,
    );
  return {
    target: at(`http://127.0.0.1:${port}`, 3),
    largeBytes: SIZES.partBytes,
    async interruptedPut(key, body) {
      // Cut once a bit more than half of the body went out: mid-part for a small put,
      // after at least one whole part of a multipart upload.
      await using proxy = await cutProxy(port, Math.floor(body.length * 0.6));
      const through = at(`http://127.0.0.1:${proxy.port}`, 2);
      const err = await through.put(key, body).catch((e: unknown) => e);
      if (!(err instanceof Error)) throw new Error("the put through a cut connection succeeded");
      if (!proxy.cut) throw new Error("the proxy never cut the upload");
    },
  };
}
