/**
 * Admin bearer-token check (SPEC §3, §6). Both sides are hashed to SHA-256
 * before `timingSafeEqual`, so the comparison takes the same time whatever the
 * presented token's length or content. A missing or wrong token is 401 with
 * `WWW-Authenticate: Bearer` (added by the error mapper).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { StemeError } from "../errors.ts";
import type { HttpEnv } from "./http-env.ts";

export interface AdminAuthOptions {
  token: string;
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function adminAuth(options: AdminAuthOptions): MiddlewareHandler<HttpEnv> {
  if (options.token.length === 0) throw new TypeError("adminAuth: options.token must not be empty");
  const expected = digest(options.token);
  return async (c, next) => {
    const header = c.req.header("authorization");
    const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match === null) {
      throw new StemeError(
        "unauthorized",
        "admin endpoint: send Authorization: Bearer <admin token> (STEMEDB_ADMIN_TOKEN or <data dir>/admin.token)",
      );
    }
    if (!timingSafeEqual(digest(match[1] as string), expected)) {
      throw new StemeError("unauthorized", "admin token is not valid");
    }
    await next();
  };
}
