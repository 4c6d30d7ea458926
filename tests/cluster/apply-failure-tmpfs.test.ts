/**
 * A cluster node whose apply fails (SPEC §10, issue 12): node C's `db/` is a
 * small tmpfs that a filler file fills (a real full disk), while node A, on
 * the same 3-server JetStream cluster, keeps taking writes. C's follower
 * cannot apply the stream: it retries forever, and says so — not ready,
 * writes refused, `/v1/health` with the failure count and the last error,
 * `/metrics` with `stemedb_cluster_apply_failing 1` and the failure counter.
 * Once the filler is deleted it applies the rest by itself (no restart) and
 * reaches A's root at A's tree size. Needs root for mount(8): skipped (with
 * the reason) when not root, except under CI=true.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config.ts";
import { fastSigner } from "../helpers/fast-sign.ts";
import { fillDisk } from "../helpers/fill-disk.ts";
import { NATS, NATS_SERVER, type NatsCluster, startNatsCluster } from "../helpers/nats-cluster.ts";
import type { ServeProcess } from "../helpers/serve-process.ts";
import { canMount, fullDiskFixture, tmpfsTitle } from "../helpers/tmpfs.ts";
import { head, headAt, health, postBatch, startClusterNode } from "./lib/cluster-node.ts";

const TITLE = tmpfsTitle(
  "cluster apply-failure-tmpfs",
  "a full disk under a follower's db/: it retries forever, not ready, health and metrics name the error; it catches up once space returns",
);
const run = NATS_SERVER !== undefined && canMount;
const name = `cluster mode: a follower whose apply fails${NATS.skipReason}`;
const STREAM = "apply_failure";

describe(name, () => {
  let nats: NatsCluster;
  let a: ServeProcess | undefined;
  const root = mkdtempSync(join(tmpdir(), "stemedb-applyfail-"));
  const disk = fullDiskFixture("stemedb-cluster-dbfull-", "db");

  beforeAll(async () => {
    if (run) nats = await startNatsCluster(3);
  }, 60_000);

  afterAll(async () => {
    await a?.stop("SIGKILL");
    await disk.cleanup();
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test.skipIf(!run)(
    TITLE,
    async () => {
      disk.mount("2m");
      const c = await disk.start(
        parseConfig({ dataDir: disk.dataDir, port: 0, natsUrl: nats.urls, natsStream: STREAM }),
      );
      a = await startClusterNode({ dataDir: join(root, "a"), natsUrls: nats.urls, stream: STREAM });
      const signer = fastSigner(new Uint8Array(32).fill(31));
      let n = 0;
      // Values of a few KiB: C's state fills the 2 MiB tmpfs within a few hundred records.
      const next = (count: number) =>
        Array.from({ length: count }, () => {
          const i = n++;
          return signer.sign({
            concept: `acme/full/k${i}`,
            predicate: "note",
            value: `${i}:${"x".repeat(3000)}`,
            ts: 1_767_225_600_000 + i,
          });
        });

      const first = await postBatch(a.url, next(5));
      await headAt(c.url, first.tree_size);
      fillDisk(join(disk.dataDir, "db", "filler"));

      // A keeps taking writes; C's applies fail on the full disk.
      let hc = await health(c.url);
      for (let i = 0; i < 2000 && hc.cluster.apply_failures === 0; i++) {
        await postBatch(a.url, next(5));
        hc = await health(c.url);
      }
      expect(hc.cluster.apply_failures).toBeGreaterThan(0);
      expect(hc.cluster.apply_error).toMatch(/lsn \d+\.\.\d+: .*full/i);
      expect(hc.status).toBe("not_ready");
      expect(hc.cluster.failure).toBeNull(); // not a stop: it retries
      const stuck = hc.cluster.applied_lsn;
      const ready = await fetch(`${c.url}/v1/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { detail: string }).detail).toContain(
        "cannot apply the stream",
      );
      const write = await fetch(`${c.url}/v1/assert`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(next(1)[0]),
      });
      expect(write.status).toBe(503);
      expect(((await write.json()) as { code: string }).code).toBe("not_ready");

      // It retries: the count grows while the disk stays full, nothing past the failure is applied.
      const failures = hc.cluster.apply_failures;
      while (hc.cluster.apply_failures <= failures) {
        await Bun.sleep(25); // polling C's health for the next retry
        hc = await health(c.url);
      }
      expect(hc.cluster.applied_lsn).toBe(stuck);
      const metrics = await (await fetch(`${c.url}/metrics`)).text();
      expect(metrics).toContain("stemedb_cluster_apply_failing 1");
      expect(
        Number(/stemedb_cluster_apply_failures_total (\d+)/.exec(metrics)?.[1]),
      ).toBeGreaterThan(failures);
      expect(metrics).toContain("stemedb_ready 0");

      // Space returns: C applies the rest by itself and reaches A's root at A's size.
      rmSync(join(disk.dataDir, "db", "filler"));
      const last = await postBatch(a.url, next(1));
      const cHead = await headAt(c.url, last.tree_size);
      const aHead = await head(a.url);
      expect([cHead.tree_size, cHead.root]).toEqual([aHead.tree_size, aHead.root]);
      while ((await fetch(`${c.url}/v1/health/ready`)).status !== 200) await Bun.sleep(25);
      hc = await health(c.url);
      expect(hc.cluster.apply_error).toBeNull();
      expect(hc.status).toBe("ok");
      const after = await (await fetch(`${c.url}/metrics`)).text();
      expect(after).toContain("stemedb_cluster_apply_failing 0");
    },
    120_000,
  );
});
