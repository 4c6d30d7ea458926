/**
 * The one conformance suite of the BackupTarget contract (backup-target.ts),
 * Hono-style: each implementation calls `targetConformance` in a few lines
 * with a factory of fresh, empty targets. Covered: round trip, get of an
 * absent key, immutability (a second put fails with already_exists and
 * changes nothing), byte-order listing with prefixes and startAfter, delete,
 * purge (every version of exactly one key),
 * key checks, a large object (multipart on S3) whole and in chunks
 * (`putChunks` / `getChunks`, whose source failing mid-way leaves no object),
 * and all-or-nothing: a put
 * interrupted for real mid-body leaves nothing that get or list would return,
 * and the same key can then be put whole.
 */
import { describe, expect, test } from "bun:test";
import { type BackupTarget, purgeObject } from "../../../src/backup/backup-target.ts";
import { isStemeError } from "../../../src/errors.ts";

export interface TargetHarness {
  target: BackupTarget;
  /** A body larger than this takes the target's large-object path (S3 multipart). */
  largeBytes: number;
  /**
   * Puts `body` at `key` through a path that is cut for real mid-body
   * (a dying connection, a full disk); resolves once that put has failed.
   * `target` must then still see the store as it really is.
   */
  interruptedPut?: (key: string, body: Uint8Array) => Promise<void>;
}

export interface ConformanceOptions {
  /** Set when this run cannot interrupt a put for real: why (the skipped tests' names say it). */
  interruptSkip?: string;
  /** Set when the store itself is absent here: ` (skipped: why)`, carried in the suite's name. */
  skip?: string;
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 0xff;
  }
  return out;
}

const T = { timeout: 60_000 };

export function targetConformance(
  name: string,
  fresh: () => Promise<TargetHarness>,
  options: ConformanceOptions = {},
): void {
  const suite = options.skip === undefined ? describe : describe.skip;
  suite(`BackupTarget conformance: ${name}${options.skip ?? ""}`, () => {
    test("put then get returns the bytes; get of an absent key is undefined", async () => {
      const { target } = await fresh();
      const body = bytes(1000);
      await target.put("snapshots/a/state.sqlite.zst", body);
      expect(await target.get("snapshots/a/state.sqlite.zst")).toEqual(body);
      expect(await target.get("snapshots/a/absent")).toBeUndefined();
      expect(await target.get("never/written")).toBeUndefined();
      await target.put("empty", new Uint8Array(0));
      expect(await target.get("empty")).toEqual(new Uint8Array(0));
    });

    test("objects are immutable: a second put fails with already_exists and changes nothing", async () => {
      const { target } = await fresh();
      await target.put("archive/k", bytes(100, 1));
      for (const other of [bytes(100, 2), bytes(100, 1), new Uint8Array(0)]) {
        const err = await target.put("archive/k", other).catch((e: unknown) => e);
        expect(isStemeError(err, "already_exists")).toBe(true);
      }
      expect(await target.get("archive/k")).toEqual(bytes(100, 1));
      expect(await target.list("")).toEqual([{ key: "archive/k", size: 100 }]);
    });

    test("list returns complete objects under a prefix in byte order, after startAfter", async () => {
      const { target } = await fresh();
      // '-' and '.' sort before '/', which sorts before digits and letters.
      const keys = ["a/b", "a-b", "a.b", "a0", "archive/0002", "archive/0010", "archive/0001", "b"];
      for (const [i, key] of [...keys].reverse().entries()) await target.put(key, bytes(i + 1));
      const all = await target.list("");
      expect(all.map((o) => o.key)).toEqual([...keys].sort());
      expect(all.map((o) => o.key)).toEqual([
        "a-b",
        "a.b",
        "a/b",
        "a0",
        "archive/0001",
        "archive/0002",
        "archive/0010",
        "b",
      ]);
      expect(all.find((o) => o.key === "b")?.size).toBe(1);
      const archive = await target.list("archive/");
      expect(archive.map((o) => o.key)).toEqual(["archive/0001", "archive/0002", "archive/0010"]);
      const after = await target.list("archive/", "archive/0001");
      expect(after.map((o) => o.key)).toEqual(["archive/0002", "archive/0010"]);
      expect(await target.list("archive/", "archive/0010")).toEqual([]);
      expect(await target.list("nothing/")).toEqual([]);
      expect((await target.list("a")).map((o) => o.key)).toEqual([
        "a-b",
        "a.b",
        "a/b",
        "a0",
        "archive/0001",
        "archive/0002",
        "archive/0010",
      ]);
    });

    test("delete removes an object; deleting an absent one is not an error", async () => {
      const { target } = await fresh();
      await target.put("snapshots/x/metadata.json", bytes(10));
      await target.delete("snapshots/x/metadata.json");
      await target.delete("snapshots/x/metadata.json");
      await target.delete("never/was");
      expect(await target.get("snapshots/x/metadata.json")).toBeUndefined();
      expect(await target.list("")).toEqual([]);
      await target.put("snapshots/x/metadata.json", bytes(20));
      expect(await target.get("snapshots/x/metadata.json")).toEqual(bytes(20));
    });

    test("purge removes the object and no other; purging an absent one is not an error", async () => {
      const { target } = await fresh();
      await target.put("archive/a.zst", bytes(10));
      await target.put("archive/a.zst2", bytes(11)); // the key is a prefix of this one: kept
      const report = await purgeObject(target, "archive/a.zst");
      expect(["off", "enabled", "suspended", "not_implemented"]).toContain(report.versioning);
      if (report.versioning === "off" || report.versioning === "not_implemented") {
        expect(report.versions).toBe(0);
      }
      await purgeObject(target, "archive/a.zst");
      expect(await target.get("archive/a.zst")).toBeUndefined();
      expect((await target.list("archive/")).map((o) => o.key)).toEqual(["archive/a.zst2"]);
      expect(await target.get("archive/a.zst2")).toEqual(bytes(11));
    });

    test("keys must be relative paths of [A-Za-z0-9._-] segments", async () => {
      const { target } = await fresh();
      for (const key of ["", "/abs", "a//b", "../up", "a/../b", "a b", "a/", "é"]) {
        await expect(target.put(key, bytes(1))).rejects.toThrow(TypeError);
        await expect(target.get(key)).rejects.toThrow(TypeError);
      }
    });

    test(
      "a large object (the multipart path on S3) round-trips whole",
      async () => {
        const { target, largeBytes } = await fresh();
        const body = bytes(largeBytes * 2 + 12345, 7);
        await target.put("snapshots/big/state.sqlite.zst", body);
        const back = await target.get("snapshots/big/state.sqlite.zst");
        expect(back?.length).toBe(body.length);
        expect(Buffer.compare(Buffer.from(back as Uint8Array), Buffer.from(body))).toBe(0);
        expect(await target.list("snapshots/")).toEqual([
          { key: "snapshots/big/state.sqlite.zst", size: body.length },
        ]);
      },
      T,
    );

    test(
      "a large object put and read in chunks round-trips; a source that fails mid-way leaves no object",
      async () => {
        const { target, largeBytes } = await fresh();
        const body = bytes(largeBytes * 3 + 4321, 9);
        // Chunk sizes that never line up with the target's parts.
        async function* pieces(failAfter?: number): AsyncGenerator<Uint8Array> {
          for (let at = 0, i = 0; at < body.length; i++) {
            if (failAfter !== undefined && at >= failAfter) throw new Error("the source failed");
            const size = 1000 + ((i * 7919) % 300_000);
            yield body.subarray(at, at + size);
            at += size;
          }
        }
        const cut = await target
          .putChunks("snapshots/s/state.sqlite.zst", pieces(largeBytes * 2))
          .catch((e: unknown) => e);
        expect(cut).toBeInstanceOf(Error);
        expect(await target.getChunks("snapshots/s/state.sqlite.zst")).toBeUndefined();
        expect(await target.list("")).toEqual([]);

        await target.putChunks("snapshots/s/state.sqlite.zst", pieces());
        const chunks = await target.getChunks("snapshots/s/state.sqlite.zst");
        const parts: Uint8Array[] = [];
        for await (const c of chunks ?? []) parts.push(c.slice());
        expect(parts.length).toBeGreaterThan(1);
        const back = Buffer.concat(parts);
        expect(back.length).toBe(body.length);
        expect(Buffer.compare(back, Buffer.from(body))).toBe(0);
        const again = await target
          .putChunks("snapshots/s/state.sqlite.zst", pieces())
          .catch((e: unknown) => e);
        expect(isStemeError(again, "already_exists")).toBe(true);
        expect(await target.list("")).toEqual([
          { key: "snapshots/s/state.sqlite.zst", size: body.length },
        ]);
      },
      T,
    );

    for (const large of [false, true]) {
      const what = large ? "a large put (multipart on S3)" : "a small put";
      const title = `${what} interrupted mid-body leaves no object; the key can then be put whole`;
      if (options.interruptSkip !== undefined) {
        test.skip(`SKIPPED (${options.interruptSkip}) ${title}`, () => {});
        continue;
      }
      test(
        title,
        async () => {
          const h = await fresh();
          if (h.interruptedPut === undefined) throw new Error("the harness has no interruptedPut");
          const body = bytes(large ? h.largeBytes * 2 + 999 : 200_000, 3);
          await h.interruptedPut("archive/cut", body);
          expect(await h.target.get("archive/cut")).toBeUndefined();
          expect(await h.target.list("")).toEqual([]);
          await h.target.put("archive/cut", body);
          const back = await h.target.get("archive/cut");
          expect(back?.length).toBe(body.length);
          expect(Buffer.compare(Buffer.from(back as Uint8Array), Buffer.from(body))).toBe(0);
        },
        T,
      );
    }
  });
}
