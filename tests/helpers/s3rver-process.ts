/**
 * A real s3rver for the backup tests (SPEC §7: never a mock), in its own
 * process (s3rver-main.ts) on port 0 and a temp dir. `kill()` is a real
 * outage (SIGKILL); `start()` brings it back on the same port and directory
 * with its objects. `env` is the AWS SDK environment a StemeDB process needs
 * to reach it. `await using s3 = await startS3rver()` cleans up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const S3_BUCKET = "stemedb-test";

export interface S3rverProcess extends AsyncDisposable {
  readonly port: number;
  readonly endpoint: string;
  /** AWS SDK environment for a process that talks to this server. */
  readonly env: Record<string, string>;
  /** s3://bucket/prefix */
  url(prefix?: string): string;
  kill(): Promise<void>;
  start(): Promise<void>;
}

async function spawn(dir: string, port: number): Promise<{ proc: Bun.Subprocess; port: number }> {
  const proc = Bun.spawn(
    [process.execPath, join(import.meta.dir, "s3rver-main.ts"), dir, String(port), S3_BUCKET],
    { stdout: "pipe", stderr: "pipe", stdin: "ignore" },
  );
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    const m = /s3rver listening on (\d+)/.exec(text);
    if (m) return { proc, port: Number(m[1]) };
  }
  const err = await new Response(proc.stderr as ReadableStream<Uint8Array>).text();
  throw new Error(`s3rver exited before listening: ${text}\n${err}`);
}

export async function startS3rver(): Promise<S3rverProcess> {
  const dir = mkdtempSync(join(tmpdir(), "stemedb-s3rver-"));
  let current = await spawn(dir, 0);
  const port = current.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const kill = async () => {
    if (current.proc.exitCode === null && current.proc.signalCode === null) {
      current.proc.kill("SIGKILL");
    }
    await current.proc.exited;
  };
  return {
    port,
    endpoint,
    env: {
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_S3: endpoint,
      STEMEDB_S3_FORCE_PATH_STYLE: "true",
    },
    url: (prefix = "") => `s3://${S3_BUCKET}${prefix === "" ? "" : `/${prefix}`}`,
    kill,
    async start() {
      await kill();
      current = await spawn(dir, port);
    },
    async [Symbol.asyncDispose]() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
