/**
 * The cutfs layer itself (tests/powerloss/cutfs/): a cut keeps exactly what
 * was fsynced — file bytes at the file's last fsync or fdatasync, names at
 * their directory's last fsync — and drops the rest. The power-loss suites
 * rest on this, so it is tested first, through the same node:fs calls Bun's
 * segment log and SQLite make.
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { type Cutfs, cutfsAvailable, cutfsTitle, mountCutfs } from "./cutfs/cutfs-mount.ts";

const FILE = "tests/powerloss/cutfs.test.ts";
let fs: Cutfs;
let n = 0;

beforeAll(async () => {
  if (cutfsAvailable) fs = await mountCutfs();
});
afterAll(async () => {
  await fs?.unmount();
});

function syncDir(dir: string) {
  const fd = openSync(dir, "r");
  fsyncSync(fd);
  closeSync(fd);
}

/** A fresh directory whose own name is durable. */
function freshDir(): string {
  const dir = join(fs.dir, `case-${++n}`);
  mkdirSync(dir);
  syncDir(fs.dir);
  return dir;
}

function writeFile(path: string, text: string, sync: "fsync" | "fdatasync" | "none") {
  const fd = openSync(path, "a");
  writeSync(fd, text);
  if (sync === "fsync") fsyncSync(fd);
  if (sync === "fdatasync") fdatasyncSync(fd);
  closeSync(fd);
}

async function powerCut() {
  await fs.cut();
  await fs.resume();
}

const t = (title: string) => cutfsTitle(FILE, title);
const run = cutfsAvailable ? test : test.skip;

run(t("a write without fsync is gone after a cut; an fsynced one stays"), async () => {
  const dir = freshDir();
  const path = join(dir, "f");
  writeFile(path, "synced;", "fsync");
  syncDir(dir);
  writeFile(path, "lost;", "none");
  expect(readFileSync(path, "utf8")).toBe("synced;lost;");
  await powerCut();
  expect(readFileSync(path, "utf8")).toBe("synced;");
});

run(
  t("fdatasync makes bytes durable too, and reaches FUSE as fsync with the datasync flag"),
  async () => {
    const dir = freshDir();
    const path = join(dir, "f");
    const before = (await fs.stats()).counts.fdatasync ?? 0;
    writeFile(path, "data;", "fdatasync");
    syncDir(dir);
    expect((await fs.stats()).counts.fdatasync).toBe(before + 1);
    await powerCut();
    expect(readFileSync(path, "utf8")).toBe("data;");
  },
);

run(t("a new file whose directory was never fsynced vanishes, even if the file was"), async () => {
  const dir = freshDir();
  writeFile(join(dir, "new"), "bytes", "fsync");
  await powerCut();
  expect(readdirSync(dir)).toEqual([]);
});

run(t("a rename without a directory fsync is undone; with one it stays"), async () => {
  const dir = freshDir();
  writeFile(join(dir, "a"), "A", "fsync");
  syncDir(dir);
  renameSync(join(dir, "a"), join(dir, "b"));
  await powerCut();
  expect(readdirSync(dir)).toEqual(["a"]);
  renameSync(join(dir, "a"), join(dir, "b"));
  syncDir(dir);
  await powerCut();
  expect(readdirSync(dir)).toEqual(["b"]);
  expect(readFileSync(join(dir, "b"), "utf8")).toBe("A");
});

run(t("an unlink or a truncate without fsync comes back with the synced bytes"), async () => {
  const dir = freshDir();
  writeFile(join(dir, "gone"), "kept", "fsync");
  writeFile(join(dir, "short"), "0123456789", "fsync");
  syncDir(dir);
  unlinkSync(join(dir, "gone"));
  const fd = openSync(join(dir, "short"), "r+");
  ftruncateSync(fd, 3);
  closeSync(fd);
  expect(existsSync(join(dir, "gone"))).toBe(false);
  await powerCut();
  expect(readFileSync(join(dir, "gone"), "utf8")).toBe("kept");
  expect(readFileSync(join(dir, "short"), "utf8")).toBe("0123456789");
});

run(
  t("a torn cut keeps, page by page, the old or the new bytes, and the old or the new size"),
  async () => {
    const dir = freshDir();
    const path = join(dir, "f");
    const page = (c: string) => c.repeat(4096);
    writeFile(path, page("a") + page("b"), "fsync");
    syncDir(dir);
    const shapes = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const fd = openSync(path, "r+");
      writeSync(fd, page("X"), 0);
      writeSync(fd, page("Y") + page("Z"), 4096);
      closeSync(fd);
      await fs.cut(seed);
      await fs.resume();
      const text = readFileSync(path, "latin1");
      expect([8192, 12288]).toContain(text.length);
      const pages = Array.from({ length: text.length / 4096 }, (_, i) =>
        text.slice(i * 4096, i * 4096 + 4096),
      );
      expect([page("a"), page("X")]).toContain(pages[0] as string);
      expect([page("b"), page("Y")]).toContain(pages[1] as string);
      if (pages[2] !== undefined) expect([page("Z"), page("\0")]).toContain(pages[2]);
      shapes.add(pages.map((p) => p[0]).join(""));
      writeFile(path, "", "fsync"); // what the torn cut kept is now the synced state
    }
    expect(shapes.size).toBeGreaterThan(2); // the seeds tear differently
  },
);

run(t("a cut freezes the layer: nothing is written until resume"), async () => {
  const dir = freshDir();
  await fs.cut();
  expect(() => writeFile(join(dir, "late"), "x", "fsync")).toThrow();
  await fs.resume();
  expect(readdirSync(dir)).toEqual([]);
});

run(
  t("SQLite in WAL mode runs on the layer; a FULL-synchronous commit survives a cut"),
  async () => {
    const dir = freshDir();
    const path = join(dir, "t.db");
    const db = new Database(path, { create: true });
    db.run("PRAGMA journal_mode=WAL");
    db.run("PRAGMA synchronous=FULL");
    db.run("CREATE TABLE t (x INTEGER)");
    db.run("INSERT INTO t VALUES (1), (2), (3)");
    syncDir(dir); // the database file's own name: SQLite fsyncs the directory only for the -wal
    await fs.cut();
    db.close(false);
    await fs.resume();
    const again = new Database(path);
    expect(again.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 3 });
    again.close();
  },
);
