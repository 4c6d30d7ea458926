/**
 * A TCP port free on 127.0.0.1 right now, for daemons such as nginx whose
 * config names a port (they cannot report one chosen with port 0). The
 * kernel picks it; a daemon that then fails to bind is retried by the caller.
 */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}
