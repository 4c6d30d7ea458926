/**
 * Where the admin bearer token comes from (SPEC §6): `STEMEDB_ADMIN_TOKEN` when
 * set; otherwise `<data dir>/admin.token`, generated on first start (32 random
 * bytes, hex) with mode 0600. Its path — never the token — is logged once, when
 * it is created.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config.ts";
import { createFileOnce, mkdirDurable } from "../durable-file.ts";
import { StemeError } from "../errors.ts";
import type { Logger } from "../logger.ts";

export const ADMIN_TOKEN_FILE = "admin.token";
const MIN_TOKEN_CHARS = 16;

export function resolveAdminToken(
  config: Pick<Config, "adminToken">,
  dataDir: string,
  logger: Logger,
): string {
  if (config.adminToken !== undefined) return config.adminToken;
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  mkdirDurable(dataDir);
  // Created whole or not at all, never over a token another process just wrote,
  // and durable before it is used: a power cut must not change the token.
  if (createFileOnce(path, `${randomBytes(32).toString("hex")}\n`, 0o600)) {
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
