/**
 * Power cuts at a data dir's first start (SPEC §5, §6): the node key, the
 * admin token, the segment log's directory and metadata.json are all made
 * then. A cut during start-up must leave a data dir that starts; a cut after
 * the server answered must keep what it handed out: the acknowledged write,
 * the key that signed its receipt, the token it printed. Regression tests for
 * the first bugs cutfs found (each failed before its fix):
 *   - the `wal/` directory's name was never fsynced into the data dir: a cut
 *     after the first acknowledged writes lost the whole log (tree size 0);
 *   - `admin.token` was written without fsync: a cut changed the token;
 *   - `metadata.json` was rewritten in place without fsync: a cut left it
 *     empty under a durable name and `stemedb verify` failed.
 */
import { expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fastSigner } from "../helpers/fast-sign.ts";
import { prng } from "../helpers/prng.ts";
import { cutfsAvailable, cutfsTitle, mountCutfs } from "./cutfs/cutfs-mount.ts";
import { MAIN, SERVE_ENV, startOnLayer, verifyDataDir } from "./cuts-under-load.ts";

const FILE = "tests/powerloss/first-start.test.ts";
const run = cutfsAvailable ? test : test.skip;

run(
  cutfsTitle(
    FILE,
    "a cut after the first acknowledged write keeps the write, the node key and the admin token",
  ),
  async () => {
    await using fs = await mountCutfs();
    const dataDir = join(fs.dir, "data");
    mkdirSync(dataDir);
    await fs.sync();
    const server = await startOnLayer(dataDir, fs.dir);
    const token = readFileSync(join(dataDir, "admin.token"), "utf8");
    const signer = fastSigner(new Uint8Array(32).fill(3));
    const res = await fetch(`${server.url}/v1/assert`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        signer.sign({ concept: "first/start", predicate: "n", value: 1, ts: Date.now() }),
      ),
    });
    expect(res.status).toBe(201);
    const ack = (await res.json()) as { id: string; seq: number; sth: { server_key: string } };
    await fs.cut();
    await server.stop("SIGKILL");
    await fs.resume();

    const again = await startOnLayer(dataDir, fs.dir);
    try {
      const got = await fetch(`${again.url}/v1/assertions/${ack.id}`);
      expect(got.status).toBe(200);
      expect(((await got.json()) as { seq: number }).seq).toBe(ack.seq);
      const root = (await (await fetch(`${again.url}/v1/merkle/root`)).json()) as {
        server_key: string;
      };
      expect(root.server_key).toBe(ack.sth.server_key);
      expect(readFileSync(join(dataDir, "admin.token"), "utf8")).toBe(token);
    } finally {
      expect((await again.stop("SIGTERM")).code).toBe(0);
    }
    await fs.cut(); // the clean stop's metadata.json must be durable too
    await fs.resume();
    const verify = await verifyDataDir(dataDir);
    expect(verify.output).toContain("PASS:");
    expect(verify.code).toBe(0);
  },
  120_000,
);

run(
  cutfsTitle(
    FILE,
    "a cut at a random moment of the first start leaves a data dir that starts and verifies",
  ),
  async () => {
    await using fs = await mountCutfs();
    const rnd = prng(Number(process.env.STEMEDB_POWERLOSS_SEED ?? Date.now() % 1_000_000));
    for (let round = 0; round < 2; round++) {
      const dataDir = join(fs.dir, `data-${round}`);
      mkdirSync(dataDir);
      await fs.sync();
      const proc = Bun.spawn(
        [process.execPath, MAIN, "serve", "--data-dir", dataDir, "--port", "0"],
        {
          env: {
            PATH: process.env.PATH ?? "/usr/bin",
            HOME: process.env.HOME ?? "/tmp",
            ...SERVE_ENV,
          },
          stdout: "ignore",
          stderr: "ignore",
        },
      );
      await Bun.sleep(rnd.int(0, 1500));
      await fs.cut();
      proc.kill("SIGKILL");
      await proc.exited;
      await fs.resume();
      const again = await startOnLayer(dataDir, fs.dir);
      expect((await again.stop("SIGTERM")).code).toBe(0);
      const verify = await verifyDataDir(dataDir);
      expect(verify.output, `seed ${rnd.seed} round ${round}`).toContain("PASS:");
    }
  },
  120_000,
);
