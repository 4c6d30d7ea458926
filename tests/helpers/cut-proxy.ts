/**
 * A TCP proxy in front of a real server that cuts every connection once the
 * client has sent `cutAfterBytes` (real fault injection: an upload dies
 * mid-body, as when the network or the uploading process goes away). After
 * the cut it refuses every new connection until `heal()`.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface CutProxy extends AsyncDisposable {
  readonly port: number;
  /** Bytes the client sent through the proxy so far. */
  readonly sent: number;
  readonly cut: boolean;
  heal(): void;
}

export async function cutProxy(
  upstreamPort: number,
  cutAfterBytes: number,
  /** Sees every chunk the client sends, before it is forwarded; returning true cuts right there. */
  onClientData?: (chunk: Buffer) => boolean | undefined,
): Promise<CutProxy> {
  let sent = 0;
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(upstreamPort, "127.0.0.1");
    sockets.add(client);
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("data", (chunk: Buffer) => {
      if (cut) return close();
      if (onClientData?.(chunk) === true) cutAfterBytes = sent;
      const room = cutAfterBytes - sent;
      if (chunk.length >= room) {
        if (room > 0) upstream.write(chunk.subarray(0, room));
        sent += Math.max(0, room);
        cut = true;
        for (const s of sockets) s.destroy();
        sockets.clear();
        return;
      }
      sent += chunk.length;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get sent() {
      return sent;
    },
    get cut() {
      return cut;
    },
    heal() {
      cut = false;
      sent = 0;
      cutAfterBytes = Number.MAX_SAFE_INTEGER;
    },
    async [Symbol.asyncDispose]() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
