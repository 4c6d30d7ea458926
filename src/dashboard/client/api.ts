/**
 * How the dashboard reaches the server: the SDK's `StemeClient` against the
 * page's own origin (the public HTTP API, and the admin API with the token),
 * so the browser takes the one query path HTTP and CLI clients take. The
 * admin token lives in sessionStorage only (SPEC §6, issue 11): it is sent as
 * an `Authorization` header, never put in a URL or a cookie, and it is gone
 * when the browser session ends or the operator locks the dashboard.
 */
import { StemeClient } from "../../client/steme-client.ts";

const TOKEN_KEY = "stemedb.adminToken";

export function adminToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function setAdminToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** A client for the public API, or for the admin API when a token is given. */
export function apiClient(token?: string): StemeClient {
  return new StemeClient({
    baseUrl: location.origin,
    ...(token === undefined ? {} : { adminToken: token }),
  });
}

/** GET a same-origin path as text (`/metrics`), with its HTTP status. */
export async function getText(path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(path, { headers: { accept: "text/plain, application/json" } });
  return { status: res.status, text: await res.text() };
}

/** The message to show for a failed call: the server's problem `detail`, else the error's text. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}
