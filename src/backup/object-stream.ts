/**
 * Backup objects too large to hold in memory (a snapshot's SQLite state, ~1 GB
 * at 1M assertions), encoded and decoded in chunks. The bytes are exactly the
 * object codec's (object-codec.ts, STMDBOB1): the header, then the zstd data.
 * zstd data may be several frames one after another, which decode to their
 * plain bytes concatenated (RFC 8878 §3.1) — so the encoder compresses each
 * `chunkBytes` of plain bytes as a frame of its own, and every object written
 * before (one frame) or after reads with either decoder, `decodeObject` or
 * `decodeObjectChunks`.
 *
 * - `encodeFileObject` reads the file twice: once for the header's BLAKE3 and
 *   length, once to compress; only one chunk is in memory at a time.
 * - `decodeObjectChunks` streams the plain bytes out as they decompress and
 *   checks the length and BLAKE3 at the end: it throws `corrupt_backup` after
 *   yielding, so a consumer places nothing until the iteration finished.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import zlib from "node:zlib";
import { StemeError } from "../errors.ts";
import { toHex } from "../hex.ts";
import { blake3Stream } from "../protocol/blake3.ts";
import { checkHeader, OBJECT_HEADER_BYTES, objectHeader } from "./object-codec.ts";

const MiB = 1024 * 1024;

export interface EncodedStream {
  /** BLAKE3-256 of the plain bytes, lowercase hex. */
  blake3: string;
  plainBytes: number;
  /** The object's bytes in order (header first); iterate once. */
  chunks: AsyncIterable<Uint8Array>;
  /** Bytes the chunks held, once iterated. */
  storedBytes(): number;
}

/** `path` in chunks of up to `chunkBytes`: a view into one buffer, valid until the next. */
function* fileChunks(path: string, chunkBytes: number): Generator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const buf = new Uint8Array(Math.max(1, Math.min(chunkBytes, size)));
    for (let at = 0; at < size; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
      if (n === 0) throw new Error(`${path} ended at ${at} of ${size} bytes`);
      yield buf.subarray(0, n);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** A file as a backup object, in chunks: never the whole file or object in memory. */
export async function encodeFileObject(
  path: string,
  level = 3,
  chunkBytes = 8 * MiB,
): Promise<EncodedStream> {
  const hasher = await blake3Stream();
  let plainBytes = 0;
  for (const chunk of fileChunks(path, chunkBytes)) {
    hasher.update(chunk);
    plainBytes += chunk.length;
  }
  const digest = hasher.digest();
  let stored = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const header = objectHeader(digest, plainBytes);
    stored = header.length;
    yield header;
    let read = 0;
    for (const chunk of fileChunks(path, chunkBytes)) {
      read += chunk.length;
      const frame = Bun.zstdCompressSync(chunk, { level });
      stored += frame.length;
      yield frame;
    }
    // The scratch file is ours alone; should it have changed, the object would lie.
    if (read !== plainBytes) throw new Error(`${path} changed while it was being encoded`);
  }
  return { blake3: toHex(digest), plainBytes, chunks: chunks(), storedBytes: () => stored };
}

/** The source's bytes after the first 48, which go to `onHead` (fewer, if the source ends first). */
async function* withHead(
  source: AsyncIterable<Uint8Array>,
  onHead: (head: Uint8Array) => void,
): AsyncGenerator<Uint8Array> {
  let head = new Uint8Array(0);
  let done = false;
  for await (const chunk of source) {
    if (done) {
      yield chunk;
      continue;
    }
    const joined = new Uint8Array(head.length + chunk.length);
    joined.set(head);
    joined.set(chunk, head.length);
    if (joined.length < OBJECT_HEADER_BYTES) {
      head = joined;
      continue;
    }
    done = true;
    onHead(joined.subarray(0, OBJECT_HEADER_BYTES));
    if (joined.length > OBJECT_HEADER_BYTES) yield joined.subarray(OBJECT_HEADER_BYTES);
  }
  if (!done) onHead(head);
}

/**
 * The plain bytes of a stored object given in chunks, checked as they pass:
 * the header against `expected` (the manifest's BLAKE3) before the first
 * chunk, the stored size against `expectedSize` and the plain length and
 * BLAKE3 against the header at the end. Throws `corrupt_backup` naming `key`.
 */
export async function* decodeObjectChunks(
  key: string,
  body: AsyncIterable<Uint8Array>,
  expected?: { blake3?: string; size?: number },
): AsyncGenerator<Uint8Array> {
  const bad = (why: string) =>
    new StemeError("corrupt_backup", `backup object ${key}: ${why}`, { object: key });
  let header: { blake3: string; plainBytes: number } | undefined;
  let storedBytes = 0;
  const counted = async function* () {
    for await (const chunk of body) {
      storedBytes += chunk.length;
      yield chunk;
    }
  };
  const packed = withHead(counted(), (head) => {
    header = checkHeader(key, head, expected?.blake3);
  });
  const hasher = await blake3Stream();
  let plainBytes = 0;
  const inflate = zlib.createZstdDecompress();
  const feeding = (async () => {
    for await (const chunk of packed) {
      if (!inflate.write(chunk)) await new Promise((r) => inflate.once("drain", r));
    }
    inflate.end();
  })();
  let fed: unknown;
  feeding.catch((e) => {
    fed = e;
    inflate.destroy(e instanceof Error ? e : new Error(String(e)));
  });
  try {
    for await (const plain of inflate as AsyncIterable<Buffer>) {
      const bytes = new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
      hasher.update(bytes);
      plainBytes += bytes.length;
      yield bytes;
    }
    await feeding;
  } catch (e) {
    const cause = fed ?? e;
    if (cause instanceof StemeError) throw cause;
    throw new StemeError(
      "corrupt_backup",
      `backup object ${key}: zstd frame damaged`,
      { object: key },
      cause,
    );
  } finally {
    inflate.destroy();
  }
  if (header === undefined) throw bad("empty");
  if (expected?.size !== undefined && storedBytes !== expected.size) {
    throw bad(`${storedBytes} bytes where ${expected.size} were recorded`);
  }
  if (plainBytes !== header.plainBytes) {
    throw bad(`${plainBytes} plain bytes where ${header.plainBytes} were recorded`);
  }
  const actual = toHex(hasher.digest());
  if (actual !== header.blake3) throw bad(`BLAKE3 ${actual} where ${header.blake3} was recorded`);
}
