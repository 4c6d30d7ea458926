/**
 * An apply failure after a successful log append, on a real full disk (SPEC
 * §5, §6): `db/` is a small tmpfs and a filler file takes every free page,
 * while the WAL directory has room. The log append of the next write succeeds
 * and its apply (the SQLite transaction) fails: that submitter gets 503
 * `storage_unavailable` (not acknowledged, though in the log), later writes
 * are refused with 503, reads go on, readiness is 503 and the storage
 * breaker's probe keeps failing while the disk is full. Once the filler is
 * deleted the probe applies the unapplied log tail — no restart — and closes:
 * every acknowledged write is there, so is every write that reached the log,
 * none of the refused ones, and a restart gives the same tree. Needs root for
 * mount(8): skipped (with the reason) when not root, except under CI=true.
 */

import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../../src/config.ts";
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
  "apply-failure-tmpfs",
  "a full disk under db/ fails the apply after a durable append; writes 503 until space returns, then the log tail is applied without a restart",
);

const disk = fullDiskFixture("stemedb-dbfull-", "db");
const { dataDir } = disk;
const db = join(dataDir, "db");
afterAll(() => disk.cleanup());

describe("apply failure on a real full disk under db/", () => {
  test.skipIf(!canMount)(
    TITLE,
    async () => {
      disk.mount("2m");

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
      const transitions = (to: string) => storageTransitions(url, to);

      const agent = testAgent();
      const acked = new Map<string, number>(); // id → seq
      const inLog: string[] = []; // 503, but the write reached the log
      const refused: string[] = []; // 503 before the log
      let n = 0;
      // Values of a few KiB: the state's WAL fills the tmpfs within a few hundred writes.
      const next = () =>
        agent.sign({ concept: "acme/db/full", value: `${n++}:${"x".repeat(3000)}` });

      for (let i = 0; i < 5; i++) {
        const res = await post(next());
        expect(res.status).toBe(201);
        const r = (await res.json()) as Receipt;
        acked.set(r.id, r.seq);
      }
      fillDisk(join(db, "filler"));

      let failed = false;
      for (let i = 0; i < 2000 && !failed; i++) {
        const doc = next();
        const res = await post(doc);
        if (res.status === 201) {
          const r = (await res.json()) as Receipt;
          acked.set(r.id, r.seq);
          continue;
        }
        expect(res.status).toBe(503);
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        const p = (await res.json()) as { code: string; detail: string };
        expect(p.code).toBe("storage_unavailable");
        expect(p.detail).toContain("in the log but not applied");
        inLog.push(idOf(doc));
        failed = true;
      }
      expect(failed).toBe(true);

      // Open: writes refused at once; reads go on; not ready; live.
      for (let i = 0; i < 3; i++) {
        const doc = next();
        const res = await post(doc);
        expect(res.status).toBe(503);
        expect(((await res.json()) as { code: string }).code).toBe("storage_unavailable");
        refused.push(idOf(doc));
      }
      const [someId, someSeq] = [...acked.entries()][0] as [string, number];
      const read = await get(`/v1/assertions/${someId}`);
      expect(read.status).toBe(200);
      expect(((await read.json()) as { seq: number }).seq).toBe(someSeq);
      const root = (await (await get("/v1/merkle/root")).json()) as { tree_size: number };
      expect(root.tree_size).toBe(acked.size); // the state stays at the applied record boundary
      expect((await get(`/v1/assertions/${inLog[0]}`)).status).toBe(404);
      expect((await get("/v1/health/live")).status).toBe(200);
      expect((await get("/v1/health/ready")).status).toBe(503);

      // Probes keep failing while the disk is full (the tail cannot be applied).
      await waitFor("two failed probes", async () => (await transitions("open")) >= 3);
      expect((await get("/v1/health/ready")).status).toBe(503);

      rmSync(join(db, "filler"));
      await waitFor("readiness", async () => (await get("/v1/health/ready")).status === 200);
      expect(await transitions("closed")).toBe(1);

      // Nothing lost: the write that reached the log is applied now, after the acknowledged ones.
      const expected = acked.size + inLog.length;
      for (const id of inLog) {
        const got = await get(`/v1/assertions/${id}`);
        expect(got.status).toBe(200);
        expect(((await got.json()) as { seq: number }).seq).toBe(expected);
      }
      for (const id of refused) expect((await get(`/v1/assertions/${id}`)).status).toBe(404);
      const doc = next();
      const res = await post(doc);
      expect(res.status).toBe(201);
      const r = (await res.json()) as Receipt;
      expect(r.seq).toBe(expected + 1);
      acked.set(r.id, r.seq);
      const before = (await (await get("/v1/merkle/root")).json()) as {
        tree_size: number;
        root: string;
      };

      await server.stop();
      const again = await disk.start(config);
      const after = (await (await fetch(`${again.url}/v1/merkle/root`)).json()) as {
        tree_size: number;
        root: string;
      };
      expect(after.tree_size).toBe(before.tree_size);
      expect(after.root).toBe(before.root);
      for (const [id, seq] of acked) {
        const got = await fetch(`${again.url}/v1/assertions/${id}`);
        expect(((await got.json()) as { seq: number }).seq).toBe(seq);
      }
      await again.stop();
    },
    60_000,
  );
});
