/**
 * Redaction of the archive URL end to end through the compiled binary on a
 * real s3rver (SPEC §12, issue 19 deliverable 5): `serve --archive-to s3://…`
 * (it takes the URL's first snapshot by itself) with a few thousand
 * assertions around one whose value holds a unique marker, all archived, then
 * `stemedb backup` beside it (a second snapshot holding the row), then
 * `stemedb redact --wait` (answered once the URL's scrub backlog is 0). Then
 * every object under the bucket is downloaded (`.zst` objects decompressed)
 * and searched for the marker and the target's signature: found nowhere.
 * Restores with the binary — latest, and `--until-seq` before the redaction —
 * into fresh dirs hold neither, pass `verify --operator-key`, and keep the
 * redacted id's seq. A restarted server reads no archived object again (its
 * scrub confirmation), and the URL stays clean.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { decodeObject } from "../../src/backup/object-codec.ts";
import { StemeClient } from "../../src/client/index.ts";
import { waitFor } from "../helpers/archive-load.ts";
import { filesHolding, markerAssertion } from "../helpers/byte-search.ts";
import { fastSigner } from "../helpers/fast-sign.ts";
import { S3_BUCKET } from "../helpers/s3rver-process.ts";
import type { ServeProcess } from "../helpers/serve-process.ts";
import { archivedAll, binaryOnS3rver } from "./s3rver-binary.ts";

const ADMIN = "redaction-archive-e2e-admin-token-0123";
const e2e = binaryOnS3rver("redaction-archive");
const run = (args: string[]) => e2e.run(args);

function serve(dataDir: string, url: string): Promise<ServeProcess> {
  return e2e.serve(
    ["--data-dir", dataDir, "--port", "0", "--archive-to", url, "--archive-interval-ms", "100"],
    { STEMEDB_ADMIN_TOKEN: ADMIN },
  );
}

/** Every object under the bucket, downloaded through the S3 API; `.zst` ones decompressed. */
async function bucketObjects(): Promise<Map<string, Buffer>> {
  const client = e2e.client();
  const out = new Map<string, Buffer>();
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: S3_BUCKET, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const key = o.Key as string;
      const got = await client.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: key }));
      const raw = Buffer.from(
        await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
      out.set(key, key.endsWith(".zst") ? Buffer.from(decodeObject(key, raw)) : raw);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  client.destroy();
  return out;
}

const holding = (objects: Map<string, Buffer>, needle: string | Uint8Array) =>
  [...objects].filter(([, b]) => b.includes(Buffer.from(needle))).map(([k]) => k);

test(
  "after redact --wait no object under the bucket, and no restore from it, holds the target's bytes",
  async () => {
    const url = e2e.s3.url("prod");
    const dataDir = join(e2e.work, "data");
    let server = await serve(dataDir, url);
    const client = new StemeClient({ baseUrl: server.url, adminToken: ADMIN });
    const keyPath = join(e2e.work, "operator.key");
    const keygen = await run(["keygen", "--out", keyPath]);
    expect([keygen.code, keygen.stderr]).toEqual([0, ""]);
    const operator = keygen.stdout.trim();
    await client.putAgent(operator, { role: "operator" });

    const writer = fastSigner(crypto.getRandomValues(new Uint8Array(32)));
    const marker = `MARKER-${crypto.randomUUID()}`;
    const batch = (from: number) =>
      Array.from({ length: 500 }, (_, i) =>
        writer.sign({
          concept: `e2e/people/p${(from + i) % 50}`,
          predicate: "contact",
          value: { n: from + i },
          ts: Date.now(),
        }),
      );
    for (let k = 0; k < 3; k++) await client.assert(batch(k * 500));
    const original = markerAssertion(writer, marker);
    const target = await client.assert(original);
    for (let k = 3; k < 6; k++) await client.assert(batch(k * 500));
    const caughtUp = () => archivedAll(server.url);
    await caughtUp();
    // A snapshot beside the running server: its state holds the target's row.
    const backup = await run(["backup", "--data-dir", dataDir, "--to", url, "--json"]);
    expect([backup.code, backup.stderr]).toEqual([0, ""]);
    const sig = Buffer.from(original.sig, "hex");
    const before = await bucketObjects();
    expect(holding(before, marker).length).toBeGreaterThanOrEqual(2); // an archive object and a snapshot
    expect(holding(before, sig).length).toBeGreaterThanOrEqual(1);

    const redact = await run([
      ...["redact", target.id, "--reason", "personal_data", "--key", keyPath],
      ...["--url", server.url, "--wait"],
    ]);
    expect([redact.code, redact.stderr]).toEqual([0, ""]);
    const receipt = JSON.parse(redact.stdout) as { seq: number };
    await caughtUp(); // the redaction itself shipped

    const after = await bucketObjects();
    expect(holding(after, marker)).toEqual([]);
    expect(holding(after, sig)).toEqual([]);
    expect(holding(after, original.sig)).toEqual([]);
    const keys = [...after.keys()];
    expect(keys.filter((k) => k.startsWith("prod/redactions/")).length).toBe(1);
    expect(keys.filter((k) => k.startsWith("prod/redaction-scrubs/")).length).toBe(1);
    expect(keys.filter((k) => k.endsWith("/metadata.json")).length).toBe(2); // both snapshots, rebuilt

    // Restores with the binary, latest and before the redaction: no byte of the target.
    for (const [name, extra] of [
      ["latest", []],
      ["before", ["--until-seq", String(receipt.seq - 1)]],
    ] as const) {
      const dir = join(e2e.work, `restored-${name}`);
      const r = await run(["restore", "--from", url, "--data-dir", dir, "--json", ...extra]);
      expect([r.code, r.stderr]).toEqual([0, ""]);
      expect((JSON.parse(r.stdout) as { redactions: number }).redactions).toBe(1);
      expect(filesHolding(dir, marker)).toEqual([]);
      expect(filesHolding(dir, sig)).toEqual([]);
      const v = await run(["verify", dir, "--operator-key", operator]);
      expect([v.code, v.stderr]).toEqual([0, ""]);
      expect(v.stdout).toContain("PASS  assertions.redacted");
    }

    // A restart: the scrub confirmation in the URL covers every object, nothing is rebuilt.
    expect((await server.stop("SIGTERM")).code).toBe(0);
    server = await serve(dataDir, url);
    await waitFor("the restarted server's scrub", async () => {
      const h = (await (await fetch(`${server.url}/v1/health`)).json()) as {
        redactions: { archive_backlog: number };
      };
      return h.redactions.archive_backlog === 0;
    });
    const again = await bucketObjects();
    expect(holding(again, marker)).toEqual([]);
    expect([...again.keys()].filter((k) => k.endsWith("/metadata.json")).sort()).toEqual(
      keys.filter((k) => k.endsWith("/metadata.json")).sort(),
    );
    expect((await server.stop("SIGTERM")).code).toBe(0);
  },
  { timeout: 240_000 },
);
