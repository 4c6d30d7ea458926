/**
 * Where the admin bearer token comes from (SPEC §6): `STEMEDB_ADMIN_TOKEN` when
 * set; otherwise `<data dir>/admin.token`, generated on first start with mode
 * 0600. Its path — never the token — is logged once, when it is created.
 *
 * A generated token is `stmadm_` + 32 random bytes in base64url (50 chars), a
 * shape no agent key (64 lowercase hex) can have, so it cannot be pasted into
 * the registry by mistake (issue 18). Tokens generated before that are 64 hex:
 * they keep working, a warning at start suggests `stemedb admin-token rotate`,
 * and the registry refuses a key equal to the admin token whatever its shape.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config.ts";
import { createFileOnce, mkdirDurable, writeFileDurable } from "../durable-file.ts";
import { StemeError } from "../errors.ts";
import type { Logger } from "../logger.ts";

export const ADMIN_TOKEN_FILE = "admin.token";
export const ADMIN_TOKEN_PREFIX = "stmadm_";
const MIN_TOKEN_CHARS = 16;
const AGENT_KEY_SHAPE = /^[0-9a-f]{64}$/;

/** A fresh admin token: `stmadm_` + 32 CSPRNG bytes, base64url. */
export function newAdminToken(): string {
  return `${ADMIN_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function resolveAdminToken(
  config: Pick<Config, "adminToken">,
  dataDir: string,
  logger: Logger,
): string {
  const token = config.adminToken ?? readTokenFile(dataDir, logger);
  if (AGENT_KEY_SHAPE.test(token)) {
    logger.warn(
      "the admin token is 64 hex chars, the shape of an agent key; `stemedb admin-token rotate` (or a new STEMEDB_ADMIN_TOKEN) gives one that cannot be mistaken for one",
      { source: config.adminToken === undefined ? ADMIN_TOKEN_FILE : "STEMEDB_ADMIN_TOKEN" },
    );
  }
  return token;
}

function readTokenFile(dataDir: string, logger: Logger): string {
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  mkdirDurable(dataDir);
  // Created whole or not at all, never over a token another process just wrote,
  // and durable before it is used: a power cut must not change the token.
  if (createFileOnce(path, `${newAdminToken()}\n`, 0o600)) {
    logger.info("generated the admin token; pass it as Authorization: Bearer", { path });
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger.warn("admin token file is readable by others; chmod 600 it", {
      path,
      mode: mode.toString(8),
    });
  }
  const token = readFileSync(path, "utf8").trim();
  if (token.length < MIN_TOKEN_CHARS) {
    throw new StemeError(
      "config_invalid",
      `${path} holds a token shorter than ${MIN_TOKEN_CHARS} chars; delete it to generate a new one`,
      { field: "adminToken" },
    );
  }
  return token;
}

/**
 * Replaces `<data dir>/admin.token` with a fresh token (written beside it at
 * mode 0600, fsynced, then renamed over it and the directory fsynced, so a
 * reader, or a power cut, leaves the old or the new token, never half of one). A running server keeps the token it read at start until
 * it is restarted. Returns the file's path.
 */
export function rotateAdminToken(dataDir: string): string {
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  writeFileDurable(path, `${newAdminToken()}\n`, 0o600);
  return path;
}
