/**
 * The server's own Ed25519 key, which signs its tree heads (SPEC §2.3; the log
 * key of RFC 6962 §3.5 / RFC 9162 §4.10). It is made on first start and kept in
 * `<dataDir>/node.key`: one line holding the 32-byte seed as 64 lowercase hex
 * characters, mode 0600.
 *
 * Creation is crash-safe and race-free (durable-file.ts `createFileOnce`): the
 * seed is written and fsynced to a private temporary file (O_CREAT|O_EXCL, mode
 * 0600, so it is never readable by others, whatever the umask), then
 * hard-linked to `node.key`, which fails if the name exists, and the directory
 * is fsynced. `node.key` is therefore either absent or complete, and two
 * processes starting at once end up with the same key.
 *
 * An existing key file readable or writable by group or others is refused, as
 * OpenSSH refuses such private keys: anyone who can read it can sign tree heads
 * in this server's name. The error says how to fix it.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createFileOnce, mkdirDurable } from "../durable-file.ts";
import { StemeError } from "../errors.ts";
import { fromHex, isLowerHex, toHex } from "../hex.ts";
import { type NativeSigner, nativeSigner } from "../protocol/native-ed25519.ts";

export const NODE_KEY_FILE = "node.key";

export interface NodeKey {
  signer: NativeSigner;
  publicKeyHex: string;
  /** `<dataDir>/node.key`. */
  path: string;
  /** True when this call made the key (first start). */
  created: boolean;
}

export function loadOrCreateNodeKey(dataDir: string): NodeKey {
  const path = join(dataDir, NODE_KEY_FILE);
  let created = false;
  let seed = readSeed(path);
  if (seed === undefined) {
    mkdirDurable(dataDir, 0o700);
    created = createKeyFile(path);
    seed = readSeed(path);
    if (seed === undefined) {
      throw new StemeError("internal", `node key file ${path} vanished right after creation`, {
        path,
      });
    }
  }
  const signer = nativeSigner(seed);
  return { signer, publicKeyHex: toHex(signer.publicKey), path, created };
}

/**
 * The node key of an existing data dir, or undefined when it has none; never
 * creates one. For tools that run beside the server as the same user
 * (`stemedb backup` signs the tree heads it records with it, SPEC §7).
 */
export function loadNodeKey(dataDir: string): NodeKey | undefined {
  const path = join(dataDir, NODE_KEY_FILE);
  const seed = readSeed(path);
  if (seed === undefined) return undefined;
  const signer = nativeSigner(seed);
  return { signer, publicKeyHex: toHex(signer.publicKey), path, created: false };
}

/** The seed in `path`, or undefined when there is no such file. */
function readSeed(path: string): Uint8Array | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StemeError("config_invalid", `cannot stat node key file ${path}`, { path }, e);
  }
  if ((mode & 0o077) !== 0) {
    throw new StemeError(
      "config_invalid",
      `node key file ${path} is accessible by group or others (mode ${(mode & 0o777).toString(8)}); ` +
        `it signs this server's tree heads, so restrict it with \`chmod 600 ${path}\` and restart`,
      { path, field: NODE_KEY_FILE },
    );
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new StemeError("config_invalid", `cannot read node key file ${path}`, { path }, e);
  }
  const line = text.endsWith("\n") ? text.slice(0, -1) : text;
  if (!isLowerHex(line, 32)) {
    throw new StemeError(
      "config_invalid",
      `node key file ${path} is malformed: expected exactly one line of 64 lowercase hex ` +
        "characters (a 32-byte Ed25519 seed). Restore it from a backup of the data dir; only " +
        "if this server has never published a signed tree head, delete it to make a new key",
      { path, field: NODE_KEY_FILE },
    );
  }
  return fromHex(line, 32);
}

/** Writes a fresh key to `path` unless one appears there first; true if this call made it. */
function createKeyFile(path: string): boolean {
  try {
    return createFileOnce(path, `${toHex(randomBytes(32))}\n`, 0o600);
  } catch (e) {
    throw new StemeError(
      "config_invalid",
      `cannot create node key file ${path}: the data dir must be writable by the server`,
      { path },
      e,
    );
  }
}
