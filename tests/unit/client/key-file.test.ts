/** Agent key files: written 0600 and never over an existing file; read back checked. */
import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  generateAgentKey,
  parseAgentKey,
  readAgentKeyFile,
  StemeClientError,
  writeAgentKeyFile,
} from "../../../src/client/index.ts";
import { toHex } from "../../../src/hex.ts";

const dir = mkdtempSync(join(tmpdir(), "stemedb-keyfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("write → mode 0600, JSON {secret_key, public_key}, read back the same key", () => {
  const key = generateAgentKey();
  const path = join(dir, "a.key");
  writeAgentKeyFile(path, key);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  const back = readAgentKeyFile(path);
  expect(toHex(back.secretKey)).toBe(toHex(key.secretKey));
  expect(toHex(back.publicKey)).toBe(toHex(key.publicKey));
});

test("never overwrites an existing file", () => {
  const path = join(dir, "b.key");
  writeAgentKeyFile(path, generateAgentKey());
  expect(() => writeAgentKeyFile(path, generateAgentKey())).toThrow(/already exists/);
});

test("a key file readable by others is refused with the chmod fix", () => {
  const path = join(dir, "c.key");
  writeAgentKeyFile(path, generateAgentKey());
  chmodSync(path, 0o644);
  const e = (() => {
    try {
      readAgentKeyFile(path);
    } catch (x) {
      return x as StemeClientError;
    }
  })();
  expect(e).toBeInstanceOf(StemeClientError);
  expect(e?.code).toBe("bad_key_file");
  expect(e?.message).toContain("chmod 600");
});

test("damaged content is refused, saying what is wrong", () => {
  const key = generateAgentKey();
  const other = generateAgentKey();
  expect(() => parseAgentKey("nope")).toThrow(/not JSON/);
  expect(() => parseAgentKey(JSON.stringify({ secret_key: "AB" }))).toThrow(/secret_key/);
  const mismatched = JSON.stringify({
    secret_key: toHex(key.secretKey),
    public_key: toHex(other.publicKey),
  });
  expect(() => parseAgentKey(mismatched)).toThrow(/does not belong/);
  const path = join(dir, "d.key");
  writeFileSync(path, mismatched, { mode: 0o600 });
  expect(() => readAgentKeyFile(path)).toThrow(StemeClientError);
});
