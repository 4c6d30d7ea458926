/**
 * The server key file (SPEC §2.3, §5): made on first start with mode 0600,
 * reused afterwards, and a malformed or group/world-accessible file refused
 * with an error that says how to fix it.
 */
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isStemeError } from "../../../src/errors.ts";
import { fromHex } from "../../../src/hex.ts";
import { loadOrCreateNodeKey } from "../../../src/merkle/node-key.ts";
import { nativeVerify } from "../../../src/protocol/native-ed25519.ts";

function tempDir(): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), "stemedb-node-key-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

function loadError(dataDir: string): Error & { code?: string } {
  try {
    loadOrCreateNodeKey(dataDir);
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected loadOrCreateNodeKey to throw");
}

describe("node key", () => {
  test("first load creates <dataDir>/node.key, mode 0600, one line of 64 hex", () => {
    using dir = tempDir();
    const key = loadOrCreateNodeKey(dir.path);
    expect(key.created).toBe(true);
    expect(key.path).toBe(join(dir.path, "node.key"));
    expect(statSync(key.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(key.path, "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
    expect(key.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(dir.path)).toEqual(["node.key"]); // no temporary file left behind
    const msg = new TextEncoder().encode("hello");
    expect(nativeVerify(fromHex(key.publicKeyHex), msg, key.signer.sign(msg))).toBe(true);
  });

  test("mode is 0600 even under a permissive umask", () => {
    using dir = tempDir();
    const old = process.umask(0);
    try {
      const key = loadOrCreateNodeKey(dir.path);
      expect(statSync(key.path).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  test("second load reuses the key", () => {
    using dir = tempDir();
    const first = loadOrCreateNodeKey(dir.path);
    const second = loadOrCreateNodeKey(dir.path);
    expect(second.created).toBe(false);
    expect(second.publicKeyHex).toBe(first.publicKeyHex);
  });

  test("a missing data dir is created", () => {
    using dir = tempDir();
    const key = loadOrCreateNodeKey(join(dir.path, "a", "b"));
    expect(key.created).toBe(true);
  });

  test("a known seed gives its known key; a file without a final newline is accepted", () => {
    using dir = tempDir();
    const path = join(dir.path, "node.key");
    // RFC 8032 §7.1 TEST 1 secret key and public key.
    writeFileSync(path, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", {
      mode: 0o600,
    });
    const key = loadOrCreateNodeKey(dir.path);
    expect(key.created).toBe(false);
    expect(key.publicKeyHex).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
  });

  test("a malformed file is refused with a config_invalid error that says how to fix it", () => {
    const bad = [
      "",
      "\n",
      "xyz\n",
      `${"AB".repeat(32)}\n`,
      `${"ab".repeat(31)}\n`,
      `${"ab".repeat(33)}\n`,
      `${"ab".repeat(32)}\n\n`,
      ` ${"ab".repeat(32)}\n`,
      `${"ab".repeat(32)}\r\n`,
      `# comment\n${"ab".repeat(32)}\n`,
    ];
    for (const content of bad) {
      using dir = tempDir();
      writeFileSync(join(dir.path, "node.key"), content, { mode: 0o600 });
      const e = loadError(dir.path);
      expect(isStemeError(e, "config_invalid")).toBe(true);
      expect(e.message).toContain(join(dir.path, "node.key"));
      expect(e.message).toContain("64 lowercase hex");
      expect(e.message).toContain("Restore it from a backup");
    }
  });

  test("a group- or world-accessible key file is refused with the chmod to run", () => {
    for (const mode of [0o640, 0o604, 0o660, 0o644]) {
      using dir = tempDir();
      const first = loadOrCreateNodeKey(dir.path);
      chmodSync(first.path, mode);
      const e = loadError(dir.path);
      expect(isStemeError(e, "config_invalid")).toBe(true);
      expect(e.message).toContain(`chmod 600 ${first.path}`);
      chmodSync(first.path, 0o600);
      expect(loadOrCreateNodeKey(dir.path).publicKeyHex).toBe(first.publicKeyHex);
    }
  });
});
