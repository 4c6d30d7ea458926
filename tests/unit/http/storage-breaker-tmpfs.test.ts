/**
 * The storage breaker against a real full disk (SPEC §6): the WAL directory
 * is a 256 KiB tmpfs, a filler file takes every free page, and a real server
 * (startServer, port 0, real fetch) must refuse writes with 503 + Retry-After
 * while reads go on and readiness is 503; once the filler is deleted it must
 * close by itself (polled with bounded retries, no fixed sleeps) and take
 * writes again; after a restart every acknowledged write is there and none of
 * the refused ones. Needs root for mount(8): skipped (with the reason) when
 * not root, except under CI=true, where it must run.
 */

import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../../src/config.ts";
import type { Assertion } from "../../../src/protocol/assertion.ts";
import { fillDisk } from "../../helpers/fill-disk.ts";
import {
  canMount,
  fullDiskFixture,
  idOf,
  storageTransitions,
  tmpfsTitle,
  waitFor,
} from "../../helpers/tmpfs.ts";
import { type Receipt, testAgent } from "./http-test-helpers.ts";

const TITLE = tmpfsTitle(
  "storage-breaker-tmpfs",
  "a full WAL disk opens the storage breaker; freeing space closes it by itself; no refused write survives",
);

const disk = fullDiskFixture("stemedb-tmpfs-", "wal");
const { dataDir } = disk;
const wal = join(dataDir, "wal");
afterAll(() => disk.cleanup());

describe("storage breaker on a real full disk", () => {
  test.skipIf(!canMount)(
    TITLE,
    async () => {
      disk.mount("256k");
      const started = performance.now();
      const at = () => `${Math.round(performance.now() - started)} ms`;
      const timeline: string[] = [];

      const config = parseConfig({ dataDir, port: 0, storageBreakerProbeSeconds: 0.05 });
      const server = await disk.start(config);
      const url = server.url;
      const post = (doc: unknown) =>
        fetch(`${url}/v1/assert`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(doc),
        });
      const get = (path: string) => fetch(`${url}${path}`);
      const metric = async (line: string) => (await (await get("/metrics")).text()).includes(line);
      const transitions = (to: string) => storageTransitions(url, to);

      const agent = testAgent();
      const acked = new Map<string, number>(); // id → seq
      const refused: string[] = [];
      const refusedDocs: Assertion[] = [];
      let n = 0;
      const next = () => agent.sign({ concept: "acme/disk/full", value: n++ });

      for (let i = 0; i < 5; i++) {
        const res = await post(next());
        expect(res.status).toBe(201);
        const r = (await res.json()) as Receipt;
        acked.set(r.id, r.seq);
      }

      const filled = fillDisk(join(wal, "filler"));
      timeline.push(`${at()}: filler took ${filled} bytes (tmpfs full)`);

      // Writes go on into the segment's last partly used page, then fail.
      let first503: Response | undefined;
      for (let i = 0; i < 200 && first503 === undefined; i++) {
        const doc = next();
        const res = await post(doc);
        if (res.status === 201) {
          const r = (await res.json()) as Receipt;
          acked.set(r.id, r.seq);
        } else {
          expect(res.status).toBe(503);
          first503 = res;
          refused.push(idOf(doc));
          refusedDocs.push(doc);
        }
      }
      expect(first503).toBeDefined();
      const p1 = (await (first503 as Response).json()) as { code: string };
      expect(p1.code).toBe("storage_unavailable");
      expect(Number((first503 as Response).headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      timeline.push(`${at()}: first write refused after ${acked.size} acknowledged (ENOSPC)`);

      // Open: every write refused at once with Retry-After; reads go on; not ready; live.
      for (let i = 0; i < 3; i++) {
        const doc = next();
        const res = await post(doc);
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("1");
        expect(((await res.json()) as { code: string }).code).toBe("storage_unavailable");
        refused.push(idOf(doc));
        refusedDocs.push(doc);
      }
      const batch = await post([next(), next()]);
      expect(batch.status).toBe(503);
      const [someId, someSeq] = [...acked.entries()][0] as [string, number];
      const read = await get(`/v1/assertions/${someId}`);
      expect(read.status).toBe(200);
      expect(((await read.json()) as { seq: number }).seq).toBe(someSeq);
      expect((await get("/v1/merkle/root")).status).toBe(200);
      expect((await get("/v1/query?concept=acme/disk/full&predicate=status&lens=all")).status).toBe(
        200,
      );
      expect((await get("/v1/health/live")).status).toBe(200);
      const ready = await get("/v1/health/ready");
      expect(ready.status).toBe(503);
      expect(ready.headers.get("retry-after")).not.toBeNull();
      const health = (await (await get("/v1/health")).json()) as { breakers: { storage: string } };
      expect(["open", "half-open"]).toContain(health.breakers.storage);
      expect(await metric("stemedb_ready 0")).toBe(true);

      // Probes keep failing while the disk is full: it stays open.
      await waitFor("two failed probes", async () => (await transitions("open")) >= 3);
      expect((await get("/v1/health/ready")).status).toBe(503);
      timeline.push(`${at()}: ${(await transitions("open")) - 1} probes failed, still open`);

      rmSync(join(wal, "filler"));
      const freed = performance.now();
      timeline.push(`${at()}: filler deleted`);
      await waitFor("readiness", async () => (await get("/v1/health/ready")).status === 200);
      timeline.push(
        `${at()}: ready again ${Math.round(performance.now() - freed)} ms after the space came back`,
      );
      expect(await transitions("closed")).toBe(1);
      expect(await metric('stemedb_breaker_state{breaker="storage"} 0')).toBe(true);

      // Writes work again; a refused write was never recorded (it is accepted now, not a duplicate).
      for (const doc of [next(), refusedDocs.pop() as Assertion]) {
        const res = await post(doc);
        expect(res.status).toBe(201);
        const r = (await res.json()) as Receipt;
        expect(r.status).toBe("accepted");
        acked.set(r.id, r.seq);
      }
      refused.pop();
      timeline.push(`${at()}: writes accepted again`);

      await server.stop();
      const again = await disk.start(config);
      for (const [id, seq] of acked) {
        const got = await fetch(`${again.url}/v1/assertions/${id}`);
        expect(got.status).toBe(200);
        expect(((await got.json()) as { seq: number }).seq).toBe(seq);
      }
      for (const id of refused) {
        expect((await fetch(`${again.url}/v1/assertions/${id}`)).status).toBe(404);
      }
      const root = (await (await fetch(`${again.url}/v1/merkle/root`)).json()) as {
        tree_size: number;
      };
      expect(root.tree_size).toBe(acked.size);
      timeline.push(
        `${at()}: restarted: ${acked.size} acknowledged present, ${refused.length} refused absent`,
      );
      await again.stop();
      console.log(`storage breaker timeline:\n  ${timeline.join("\n  ")}`);
    },
    30_000,
  );
});
