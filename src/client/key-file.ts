/**
 * Agent key files: what `stemedb keygen` writes and `stemedb assert --key`
 * reads. One JSON object `{"secret_key": <64 hex>, "public_key": <64 hex>}`
 * (the 32-byte RFC 8032 seed and its public key), mode 0600. Like OpenSSH with
 * private keys, a key file that group or others can read is refused: anyone
 * who can read it can sign assertions in this agent's name.
 */
import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from "node:fs";
import { fromHex, isLowerHex, toHex } from "../hex.ts";
import { type AgentKey, agentPublicKey } from "../protocol/sign.ts";
import { StemeClientError } from "./client-error.ts";

export type { AgentKey } from "../protocol/sign.ts";

/** The key file text for `key` (public key recomputed from the seed). */
export function formatAgentKey(key: AgentKey): string {
  const publicKey = toHex(agentPublicKey(key.secretKey));
  return `${JSON.stringify({ secret_key: toHex(key.secretKey), public_key: publicKey }, null, 2)}\n`;
}

/** Parses key file text; throws `StemeClientError` `bad_key_file` saying what is wrong. */
export function parseAgentKey(text: string, where = "key file"): AgentKey {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw badKey(
      `${where} is not JSON; expected {"secret_key": "<64 hex>", "public_key": "<64 hex>"}`,
    );
  }
  const { secret_key, public_key } = (doc ?? {}) as Record<string, unknown>;
  if (typeof secret_key !== "string" || !isLowerHex(secret_key, 32)) {
    throw badKey(`${where}: secret_key must be 64 lowercase hex chars (a 32-byte Ed25519 seed)`);
  }
  const secretKey = fromHex(secret_key);
  const publicKey = agentPublicKey(secretKey);
  if (public_key !== undefined && public_key !== toHex(publicKey)) {
    throw badKey(`${where}: public_key does not belong to secret_key (the file is damaged)`);
  }
  return { secretKey, publicKey };
}

/** Reads an agent key file, refusing one that group or others can access. */
export function readAgentKeyFile(path: string): AgentKey {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw badKey(`cannot read key file ${path}: ${(e as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw badKey(
      `key file ${path} is accessible by group or others (mode ${(mode & 0o777).toString(8)}); ` +
        `restrict it with \`chmod 600 ${path}\``,
    );
  }
  return parseAgentKey(readFileSync(path, "utf8"), `key file ${path}`);
}

/**
 * Writes `key` to a new file at `path` with mode 0600 (created that way, never
 * widened by the umask), fsynced. Refuses to overwrite an existing file.
 */
export function writeAgentKeyFile(path: string, key: AgentKey): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw badKey(
      code === "EEXIST"
        ? `${path} already exists; choose another --out or remove it first`
        : `cannot create key file ${path}: ${(e as Error).message}`,
    );
  }
  try {
    writeSync(fd, formatAgentKey(key));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function badKey(message: string): StemeClientError {
  return new StemeClientError("bad_key_file", message);
}
