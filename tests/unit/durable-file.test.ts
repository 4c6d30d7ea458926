/**
 * src/durable-file.ts on an ordinary disk: what each helper leaves behind.
 * (What survives a power cut is tested on cutfs: tests/powerloss/.)
 */
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createFileOnce, mkdirDurable, writeFileDurable } from "../../src/durable-file.ts";
import { tempDir } from "../helpers/temp-dir.ts";

test("createFileOnce makes the file once, with its mode, and never replaces it", () => {
  using dir = tempDir("stemedb-durable-");
  const path = join(dir.path, "token");
  expect(createFileOnce(path, "first\n", 0o600)).toBe(true);
  expect(createFileOnce(path, "second\n", 0o600)).toBe(false);
  expect(readFileSync(path, "utf8")).toBe("first\n");
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(readdirSync(dir.path)).toEqual(["token"]); // no temporary file left
});

test("writeFileDurable replaces the whole file and leaves no temporary file", () => {
  using dir = tempDir("stemedb-durable-");
  const path = join(dir.path, "metadata.json");
  writeFileDurable(path, "old");
  writeFileDurable(path, "new");
  expect(readFileSync(path, "utf8")).toBe("new");
  expect(readdirSync(dir.path)).toEqual(["metadata.json"]);
});

test("mkdirDurable makes every missing directory and accepts existing ones", () => {
  using dir = tempDir("stemedb-durable-");
  const deep = join(dir.path, "a", "b", "c");
  mkdirDurable(deep, 0o700);
  expect(existsSync(deep)).toBe(true);
  expect(statSync(deep).mode & 0o777).toBe(0o700);
  mkdirDurable(deep);
  expect(() => writeFileDurable(join(dir.path, "missing", "x"), "y")).toThrow();
});
