/**
 * Load and observation for the archival tests: a writer that POSTs signed
 * batches to a running server until stopped (counting acknowledged records),
 * `waitFor` that polls a condition (never a fixed sleep), and the server's
 * `/v1/health` `archive` object and `/metrics` gauges.
 */
import { randomBytes } from "node:crypto";
import type { ArchiveStatus } from "../../src/backup/archiver.ts";
import { fastSigner } from "./fast-sign.ts";

export interface Load {
  readonly acked: number;
  readonly failed: number;
  stop(): Promise<void>;
}

/** POSTs batches of `batch` assertions back to back; every batch must be answered 200. */
export function startLoad(url: string, batch = 50): Load {
  const signer = fastSigner(randomBytes(32));
  let n = 0;
  let acked = 0;
  let failed = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const items = Array.from({ length: batch }, () =>
        signer.sign({ concept: `load/k${n % 97}`, predicate: "n", value: n++, ts: Date.now() }),
      );
      const res = await fetch(`${url}/v1/assert`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(items),
      }).catch(() => undefined);
      if (res?.status === 200) {
        const body = (await res.json()) as { accepted: number };
        acked += body.accepted;
      } else {
        failed++;
        await res?.body?.cancel();
      }
    }
  })();
  return {
    get acked() {
      return acked;
    },
    get failed() {
      return failed;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25); // polling interval of the condition, not a wait for time
  }
}

export async function archiveHealth(url: string): Promise<ArchiveStatus> {
  const res = await fetch(`${url}/v1/health`);
  return ((await res.json()) as { archive: ArchiveStatus }).archive;
}

/** The `/metrics` gauges named, by name (first sample of each). */
export async function gauges(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(stemedb_[a-z_]+)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (m && !out.has(m[1] as string)) out.set(m[1] as string, Number(m[2]));
  }
  return out;
}
