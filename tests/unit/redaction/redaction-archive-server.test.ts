/**
 * The byte search over the archive URL (issue 19 deliverable 5), with the real
 * server: continuous archival on its archive thread to a directory target (or,
 * with `--archive-ship false`, by what `stemedb archive-wal` runs, the server
 * only following and scrubbing the URL) and a backup beside it (what `stemedb
 * backup` runs), then a redaction through
 * `POST /v1/assert`. Once health says the archive is scrubbed
 * (`archive_backlog` 0): no decompressed object of the URL holds the marker;
 * data dirs restored from it (latest, and `--until-seq` before the
 * redaction) hold none either, and the redacted id's inclusion proof verifies
 * on them.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { ArchiveShipper } from "../../../src/backup/archive-shipper.ts";
import { readDataDirHistory } from "../../../src/backup/data-dir-history.ts";
import { DirTarget } from "../../../src/backup/dir-target.ts";
import { restoreDataDir } from "../../../src/backup/restore-data-dir.ts";
import { takeBackup } from "../../../src/backup/take-backup.ts";
import { dataDirWalSource } from "../../../src/backup/wal-source.ts";
import { parseConfig } from "../../../src/config.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { fromHex } from "../../../src/hex.ts";
import { startServer } from "../../../src/http/server.ts";
import { silentLogger } from "../../../src/logger.ts";
import { leafHash } from "../../../src/merkle/hash.ts";
import { verifyInclusion } from "../../../src/merkle/verify-proofs.ts";
import { waitFor } from "../../helpers/archive-load.ts";
import { filesHolding, objectsHolding } from "../../helpers/byte-search.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { ADMIN_TOKEN, json, testAgent } from "../http/http-test-helpers.ts";

const modes = [
  ["the server ships", true],
  ["archive-wal ships (--archive-ship false)", false],
] as const;

test.each(modes)(
  "archived and backed up, then redacted (%s): the URL and restores from it hold no byte",
  async (_, archiveShip) => {
    using tmp = tempDir("stemedb-redaction-server-");
    const dataDir = join(tmp.path, "data");
    const targetDir = join(tmp.path, "url");
    const target = new DirTarget(targetDir);
    const server = await startServer(
      parseConfig({
        dataDir,
        port: 0,
        host: "127.0.0.1",
        adminToken: ADMIN_TOKEN,
        archiveTo: targetDir,
        archiveShip,
        archiveIntervalMs: 50,
      }),
      silentLogger,
    );
    const marker = `MARKER-${crypto.randomUUID()}`;
    let targetId = "";
    let targetSeq = 0;
    let redactionSeq = 0;
    try {
      const post = async (body: unknown) => {
        const r = await fetch(`${server.url}/v1/assert`, json(body));
        expect(r.status).toBeLessThan(300);
        return (await r.json()) as { results: { id: string; seq: number }[] };
      };
      const operator = testAgent();
      const put = await fetch(`${server.url}/v1/agents/${operator.agent}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ role: "operator" }),
      });
      expect(put.status).toBe(200);
      const writer = testAgent();
      const first = await post([writer.sign({ concept: "acme/people/kim", value: marker })]);
      targetId = first.results[0]?.id as string;
      targetSeq = first.results[0]?.seq as number;
      await post([writer.sign({ value: 1 }), writer.sign({ value: 2 })]);
      const health = async () =>
        (await (await fetch(`${server.url}/v1/health`)).json()) as {
          archive: { archived_lsn: number | null };
          redactions: { local_backlog: number; archive_backlog: number | null };
        };
      // With --archive-ship false, `stemedb archive-wal` ships from its timer: the same shipper.
      const archiveWal = () =>
        archiveShip
          ? Promise.resolve()
          : new ArchiveShipper({
              target,
              source: dataDirWalSource(dataDir),
              history: readDataDirHistory(dataDir),
            })
              .ship()
              .then(() => undefined);
      await archiveWal();
      const lastLsn = server.engine.log.lastLsn;
      await waitFor("the archive to hold the target", async () => {
        const h = await health();
        return (h.archive.archived_lsn ?? 0) >= lastLsn;
      });
      await takeBackup({ dataDir, target, version: "test" });
      expect(objectsHolding(targetDir, marker).length).toBeGreaterThan(1);

      const red = await post([
        operator.sign({
          concept: "_stemedb/redactions",
          predicate: "redacts",
          value: { target: targetId, reason: "personal_data" },
        }),
      ]);
      redactionSeq = red.results[0]?.seq as number;
      await post([writer.sign({ value: 3 })]);
      await archiveWal();
      await waitFor("the archive URL's scrub", async () => {
        const h = await health();
        return h.redactions.local_backlog === 0 && h.redactions.archive_backlog === 0;
      });
      expect(objectsHolding(targetDir, marker)).toEqual([]);
    } finally {
      await server.stop();
    }
    expect(filesHolding(dataDir, marker)).toEqual([]);
    for (const [name, point] of [
      ["latest", { kind: "latest" as const }],
      ["before", { kind: "seq" as const, seq: redactionSeq - 1 }],
    ] as const) {
      const dir = join(tmp.path, `restored-${name}`);
      await restoreDataDir({ target, dataDir: dir, point });
      expect(filesHolding(dir, marker)).toEqual([]);
      const engine = await Engine.open({ dataDir: dir, logger: silentLogger });
      try {
        const size = engine.tree.size;
        expect(
          verifyInclusion(
            leafHash(fromHex(targetId, 32)),
            targetSeq - 1,
            size,
            engine.tree.inclusionProof(targetSeq - 1, size),
            engine.tree.root(size),
          ),
        ).toBe(true);
      } finally {
        await engine.close();
      }
      expect(filesHolding(dir, marker)).toEqual([]);
    }
  },
  60_000,
);
