/**
 * Takes the configured port for a moment before the server touches its data
 * dir (issue 18), so a port another process holds fails `serve` before it
 * creates node.key or admin.token — with a message that names the port and
 * the fix instead of Bun's "Failed to start server". Port 0 (any free port)
 * cannot be taken, so it is not probed. Without SO_REUSEPORT, so a port held
 * by another server fails even when this one runs reader threads (SPEC §11).
 */
import type { Config } from "../config.ts";
import { StemeError } from "../errors.ts";

export function probePort(config: Pick<Config, "port" | "host">): void {
  if (config.port === 0) return;
  try {
    Bun.serve({
      port: config.port,
      hostname: config.host,
      reusePort: false,
      fetch: () => new Response(null, { status: 503 }),
    }).stop(true);
  } catch (e) {
    throw portError(e, config) ?? e;
  }
}

/** The clear error for a failed listen on the configured port, or undefined when `e` is not one. */
export function portError(
  e: unknown,
  config: Pick<Config, "port" | "host">,
): StemeError | undefined {
  const code = (e as NodeJS.ErrnoException)?.code;
  const where = `${config.host}:${config.port}`;
  if (code === "EADDRINUSE") {
    return new StemeError(
      "config_invalid",
      `port ${config.port} is in use on ${config.host} (another stemedb or another program: ss -ltnp 'sport = :${config.port}'); stop it or choose another port with --port (STEMEDB_PORT)`,
      { field: "port" },
      e,
    );
  }
  if (code === "EACCES" || code === "EADDRNOTAVAIL") {
    return new StemeError(
      "config_invalid",
      `cannot listen on ${where} (${code}): ${code === "EACCES" ? "ports below 1024 need privileges; use the default 18180 behind a proxy" : "this host has no such address; check --host (STEMEDB_HOST)"}`,
      { field: code === "EACCES" ? "port" : "host" },
      e,
    );
  }
  return undefined;
}
