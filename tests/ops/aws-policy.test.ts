/**
 * ops/aws (issue 18): the IAM policy grants every S3 action the S3 target's
 * requests need — read from src/backup/s3-target.ts, so a new request without
 * its permission fails here, not in production (every put is a multipart
 * upload, so an interrupted one must be abortable: s3:AbortMultipartUpload) —
 * and the bucket lifecycle aborts incomplete multipart uploads the process
 * could not abort itself (SIGKILL mid-upload).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../e2e/binary.ts";

/** The IAM action each request of @aws-sdk/client-s3 is authorized by (AWS S3 API reference). */
const ACTION: Record<string, string> = {
  HeadObjectCommand: "s3:GetObject",
  GetObjectCommand: "s3:GetObject",
  PutObjectCommand: "s3:PutObject",
  CreateMultipartUploadCommand: "s3:PutObject",
  UploadPartCommand: "s3:PutObject",
  CompleteMultipartUploadCommand: "s3:PutObject",
  AbortMultipartUploadCommand: "s3:AbortMultipartUpload",
  ListObjectsV2Command: "s3:ListBucket",
  DeleteObjectCommand: "s3:DeleteObject",
  DeleteObjectsCommand: "s3:DeleteObject",
  // Redaction's purge on a versioned bucket (SPEC §12); its DeleteObject with a
  // VersionId is authorized by s3:DeleteObjectVersion, checked below.
  GetBucketVersioningCommand: "s3:GetBucketVersioning",
  ListObjectVersionsCommand: "s3:ListBucketVersions",
};

interface Statement {
  Action: string[];
}

test("the IAM policy allows every S3 request the target sends", () => {
  const source = readFileSync(join(REPO, "src/backup/s3-target.ts"), "utf8");
  const sent = [...new Set([...source.matchAll(/new (\w+Command)\(/g)].map((m) => m[1] ?? ""))];
  expect(sent).toContain("AbortMultipartUploadCommand");
  const policy = JSON.parse(
    readFileSync(join(REPO, "ops/aws/stemedb-backup-policy.json"), "utf8"),
  ) as { Statement: Statement[] };
  const allowed = new Set(policy.Statement.flatMap((s) => s.Action));
  const missing = sent.filter((c) => !allowed.has(ACTION[c] ?? `(map ${c} to its IAM action)`));
  expect(missing).toEqual([]);
  if (source.includes("VersionId")) expect(allowed.has("s3:DeleteObjectVersion")).toBe(true);
});

test("the lifecycle rule aborts incomplete multipart uploads", () => {
  const lifecycle = JSON.parse(
    readFileSync(join(REPO, "ops/aws/stemedb-backup-lifecycle.json"), "utf8"),
  ) as {
    Rules: { Status: string; AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number } }[];
  };
  const abort = lifecycle.Rules.find((r) => r.AbortIncompleteMultipartUpload !== undefined);
  expect(abort?.Status).toBe("Enabled");
  expect(abort?.AbortIncompleteMultipartUpload?.DaysAfterInitiation).toBeGreaterThan(0);
  const deployment = readFileSync(join(REPO, "ops/docs/deployment.md"), "utf8");
  expect(deployment).toContain("ops/aws/stemedb-backup-policy.json");
  expect(deployment).toContain("ops/aws/stemedb-backup-lifecycle.json");
});
