/**
 * Large backup objects in chunks (object-stream.ts): a file encoded as several
 * zstd frames reads back with both decoders, whole (`decodeObject`) and in
 * chunks (`decodeObjectChunks`); an object written by the codec before
 * streaming (tests/vectors/backup/backup-object-v1.zst, one frame) still reads
 * with both; damage anywhere — a flipped byte in a later frame, a cut tail, a
 * wrong manifest checksum or size — fails with `corrupt_backup` naming the
 * object, after the chunks (nothing read counts before the end).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeObject } from "../../../src/backup/object-codec.ts";
import { decodeObjectChunks, encodeFileObject } from "../../../src/backup/object-stream.ts";
import { isStemeError } from "../../../src/errors.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const VECTORS = join(import.meta.dir, "../../vectors/backup");

/** Deterministic, compressible but not trivial bytes. */
function plainBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 24) % 16 === 0 ? x & 0xff : 97 + (i % 23);
  }
  return out;
}

async function* inPieces(body: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c.slice());
  return new Uint8Array(Buffer.concat(parts));
}

/** A file's object in chunks of 64 KiB plain bytes (so several frames), and its stored bytes. */
async function encoded(plain: Uint8Array) {
  using dir = tempDir();
  const path = join(dir.path, "state.sqlite");
  writeFileSync(path, plain);
  const o = await encodeFileObject(path, 3, 64 * 1024);
  const body = await collect(o.chunks);
  return { o, body };
}

describe("encodeFileObject", () => {
  test("writes several frames that both decoders read back", async () => {
    const plain = plainBytes(300_000);
    const { o, body } = await encoded(plain);
    expect(o.plainBytes).toBe(plain.length);
    expect(o.storedBytes()).toBe(body.length);
    expect(body.length).toBeLessThan(plain.length);
    // One zstd frame per 64 KiB chunk: the frame magic appears at least 5 times.
    const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
    let frames = 0;
    for (
      let at = Buffer.from(body).indexOf(magic);
      at >= 0;
      at = Buffer.from(body).indexOf(magic, at + 1)
    )
      frames++;
    expect(frames).toBeGreaterThanOrEqual(5);
    expect(decodeObject("k", body, o.blake3)).toEqual(plain);
    const back = await collect(
      decodeObjectChunks("k", inPieces(body, 7777), { blake3: o.blake3, size: body.length }),
    );
    expect(back).toEqual(plain);
  });

  test("an empty file is an object too", async () => {
    const { o, body } = await encoded(new Uint8Array(0));
    expect(o.plainBytes).toBe(0);
    expect(
      await collect(decodeObjectChunks("k", inPieces(body, 10), { blake3: o.blake3 })),
    ).toEqual(new Uint8Array(0));
  });
});

describe("an object written before streaming (one frame, STMDBOB1)", () => {
  const meta = JSON.parse(readFileSync(join(VECTORS, "backup-object-v1.json"), "utf8"));
  const body = new Uint8Array(readFileSync(join(VECTORS, "backup-object-v1.zst")));
  const lines = Array.from({ length: 5000 }, (_, i) => `StemeDB backup object fixture, line ${i}`);
  const plain = new TextEncoder().encode(`${lines.join("\n")}\n`);

  test("reads whole and in chunks", async () => {
    expect(body.length).toBe(meta.stored_bytes);
    expect(decodeObject("v1", body, meta.blake3)).toEqual(plain);
    const back = await collect(
      decodeObjectChunks("v1", inPieces(body, 1000), { blake3: meta.blake3, size: body.length }),
    );
    expect(back).toEqual(plain);
  });
});

describe("damage is corrupt_backup, named, at the latest by the end", () => {
  const cases: [
    string,
    (body: Uint8Array) => Uint8Array,
    (o: { blake3: string }) => { blake3: string; size?: number },
  ][] = [
    ["a flipped byte in a later frame", (b) => flip(b, Math.floor(b.length * 0.8)), (o) => o],
    ["a cut tail", (b) => b.subarray(0, b.length - 100), (o) => o],
    ["only part of the header", (b) => b.subarray(0, 20), (o) => o],
    ["another object's checksum in the manifest", (b) => b, () => ({ blake3: "00".repeat(32) })],
    ["another size in the manifest", (b) => b, (o) => ({ ...o, size: 5 })],
  ];
  for (const [what, damage, manifest] of cases) {
    test(what, async () => {
      const { o, body } = await encoded(plainBytes(300_000));
      const err = await collect(
        decodeObjectChunks(
          "snapshots/x/state.sqlite.zst",
          inPieces(damage(body), 4096),
          manifest(o),
        ),
      ).catch((e: unknown) => e);
      expect(isStemeError(err, "corrupt_backup")).toBe(true);
      expect((err as Error).message).toContain("snapshots/x/state.sqlite.zst");
    });
  }
});

function flip(body: Uint8Array, at: number): Uint8Array {
  const copy = body.slice();
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
}
