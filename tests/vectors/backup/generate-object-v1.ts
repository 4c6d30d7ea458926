/**
 * Writes backup-object-v1.{zst,json}: an object in the STMDBOB1 layout exactly
 * as the object codec wrote it before large objects were streamed (one zstd
 * frame after the header). Run from a checkout of that version
 * (commit 4b42c5a, src/backup/object-codec.ts):
 *
 *   bun tests/vectors/backup/generate-object-v1.ts <repo of that version>
 *
 * Old backups must keep restoring: object-stream.test.ts decodes it with the
 * current decoders, whole and in chunks.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(process.argv[2] ?? ".");
const { encodeObject } = await import(join(repo, "src/backup/object-codec.ts"));
const lines: string[] = [];
for (let i = 0; i < 5000; i++) lines.push(`StemeDB backup object fixture, line ${i}`);
const plain = new TextEncoder().encode(`${lines.join("\n")}\n`);
const o = encodeObject(plain, 3);
const dir = import.meta.dir;
writeFileSync(join(dir, "backup-object-v1.zst"), o.body);
writeFileSync(
  join(dir, "backup-object-v1.json"),
  `${JSON.stringify(
    {
      source: "src/backup/object-codec.ts encodeObject at commit 4b42c5a (one zstd frame), level 3",
      plain: "5000 lines 'StemeDB backup object fixture, line <i>' joined by and ending in \\n",
      plain_bytes: o.plainBytes,
      blake3: o.blake3,
      stored_bytes: o.body.length,
    },
    null,
    2,
  )}\n`,
);
