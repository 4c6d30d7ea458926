/**
 * A real NATS JetStream cluster for tests (SPEC §10): N `nats-server`
 * processes (Debian `nats-server`) on loopback, each with its own temp store
 * dir, routed to each other. Client ports are picked free by the OS; route
 * ports too (a peer must know them, so they are reserved by binding port 0 and
 * released just before start). Servers can be SIGKILLed and restarted on the
 * same ports and store, as an operator's would after a crash.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianTool } from "./debian-tool.ts";

/** nats-server by the shared detection: under CI=true a missing one fails the suites (.ci/run installs it). */
export const NATS = debianTool("nats-server", "nats-server");
export const NATS_SERVER = NATS.path;

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface NatsNode {
  name: string;
  port: number;
  url: string;
  proc: Bun.Subprocess | undefined;
}

export interface NatsCluster extends AsyncDisposable {
  nodes: NatsNode[];
  /** Comma-separated client URLs of every node (`--nats-url`). */
  urls: string;
  /** Node `i`'s JetStream store dir (its message blocks, its Raft logs). */
  storeDir(i: number): string;
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  start(i: number): Promise<void>;
  stop(): Promise<void>;
}

async function waitListening(url: string, proc: Bun.Subprocess, log: () => string): Promise<void> {
  const { port } = new URL(url);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nats-server exited (${proc.exitCode}):\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      Bun.connect({
        hostname: "127.0.0.1",
        port: Number(port),
        socket: {
          open(s) {
            s.end();
            resolve(true);
          },
          data() {},
          error() {
            resolve(false);
          },
          connectError() {
            resolve(false);
          },
        },
      }).catch(() => resolve(false));
    });
    if (ok) return;
    await Bun.sleep(20); // polling a port, not waiting for time
  }
}

export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  if (!NATS_SERVER) throw new Error("nats-server is not installed (Debian package nats-server)");
  const root = join(tmpdir(), `stemedb-nats-${process.pid}-${Date.now()}`);
  const ports = await Promise.all(Array.from({ length: size * 2 }, freePort));
  const nodes: NatsNode[] = [];
  const logs: string[] = [];
  for (let i = 0; i < size; i++) {
    const name = `n${i + 1}`;
    const port = ports[i] as number;
    const routePort = ports[size + i] as number;
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const routes = ports
      .slice(size)
      .filter((p) => p !== routePort)
      .map((p) => `nats-route://127.0.0.1:${p}`);
    writeFileSync(
      join(dir, "nats.conf"),
      [
        `server_name: ${name}`,
        "host: 127.0.0.1",
        `port: ${port}`,
        `jetstream { store_dir: "${join(dir, "js")}" }`,
        `cluster { name: stemedb, host: 127.0.0.1, port: ${routePort}, routes: [${routes.join(", ")}] }`,
        "",
      ].join("\n"),
    );
    nodes.push({ name, port, url: `nats://127.0.0.1:${port}`, proc: undefined });
    logs.push("");
  }
  const start = async (i: number) => {
    const node = nodes[i] as NatsNode;
    const proc = Bun.spawn([NATS_SERVER, "-c", join(root, node.name, "nats.conf")], {
      stdout: "ignore",
      stderr: "pipe",
    });
    node.proc = proc;
    (async () => {
      const d = new TextDecoder();
      for await (const c of proc.stderr) logs[i] += d.decode(c);
    })();
    await waitListening(node.url, proc, () => logs[i] as string);
  };
  const kill = async (i: number, signal: NodeJS.Signals = "SIGKILL") => {
    const proc = nodes[i]?.proc;
    if (proc && proc.exitCode === null) {
      proc.kill(signal);
      await proc.exited;
    }
  };
  const stop = async () => {
    await Promise.all(nodes.map((_, i) => kill(i, "SIGTERM")));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((_, i) => start(i)));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    nodes,
    urls: nodes.map((n) => n.url).join(","),
    storeDir: (i) => join(root, (nodes[i] as NatsNode).name, "js"),
    kill,
    start,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
