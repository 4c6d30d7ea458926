/**
 * Opens the backup target a URL names (SPEC §7: "Targets are URLs:
 * `s3://bucket/prefix` or a local directory path"). The one place that turns a
 * `--to` / `--from` / `--at` / `--archive-to` value into a BackupTarget, for
 * every command and the server's archiver.
 *
 * - `s3://bucket[/prefix]` → S3 (s3-target.ts), loaded on first use so commands
 *   that never touch S3 do not pay for the SDK. The client takes the AWS SDK's
 *   own settings (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
 *   AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL) from `env` — the CLI passes its
 *   environment — and `config.s3ForcePathStyle` (STEMEDB_S3_FORCE_PATH_STYLE).
 * - `file:///abs/path` or a plain path → a local directory (dir-target.ts).
 * - anything else that looks like a URL (`s3:/x`, `S3://x`, `gs://x`, `http:…`)
 *   → `config_invalid` naming it (SPEC §7): never silently a directory
 *   `./s3:/x`. A directory whose name has a colon is written `./name:…`.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { StemeError } from "../errors.ts";
import type { BackupTarget } from "./backup-target.ts";
import { DirTarget } from "./dir-target.ts";

/** The settings a target needs: a structural slice of Config (src/config.ts). */
export interface TargetConfig {
  readonly s3ForcePathStyle: boolean;
}

export type TargetEnv = Readonly<Record<string, string | undefined>>;

export interface S3Location {
  bucket: string;
  /** Key prefix inside the bucket: "" or ending in "/". */
  prefix: string;
}

/** `s3://bucket/a/b` → {bucket, prefix "a/b/"}; undefined for anything not s3://. */
export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) return undefined;
  const bucket = m[1] as string;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new StemeError("config_invalid", `bad S3 bucket name in ${url}`, { field: "url" });
  }
  const rest = (m[2] ?? "").replace(/\/+$/, "");
  return { bucket, prefix: rest === "" ? "" : `${rest}/` };
}

type TargetLocation = { kind: "s3"; s3: S3Location } | { kind: "dir"; path: string };

/** What a target URL names, or `config_invalid` naming the URL. */
function locate(url: string): TargetLocation {
  if (url.trim() === "") {
    throw new StemeError("config_invalid", "empty backup target URL", { field: "url" });
  }
  const s3 = parseS3Url(url);
  if (s3 !== undefined) return { kind: "s3", s3 };
  if (url.startsWith("file://")) return { kind: "dir", path: fileURLToPath(url) };
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    throw new StemeError(
      "config_invalid",
      `unsupported backup target ${JSON.stringify(url)}: use s3://bucket[/prefix] (lowercase, two slashes) or a directory path (./name for a directory whose name has a colon)`,
      { field: "url" },
    );
  }
  return { kind: "dir", path: url };
}

/**
 * Checks a target URL without opening it (for a target another thread opens)
 * and returns the `url` the opened target will report: the S3 URL as given,
 * a directory's absolute path.
 */
export function checkTargetUrl(url: string): string {
  const where = locate(url);
  return where.kind === "s3" ? url : resolve(where.path);
}

export async function openTarget(
  url: string,
  config: TargetConfig,
  env: TargetEnv = {},
): Promise<BackupTarget> {
  const where = locate(url);
  if (where.kind === "s3") {
    const { S3Target, makeS3Client } = await import("./s3-target.ts");
    return new S3Target(makeS3Client(config, env), where.s3, url);
  }
  return new DirTarget(where.path);
}
