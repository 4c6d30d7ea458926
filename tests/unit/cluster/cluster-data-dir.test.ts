/**
 * A cluster node's data dir (src/cluster/cluster-data-dir.ts, SPEC §10): the
 * empty segment log `stemedb restore` leaves right after the snapshot's LSN is
 * removed; a segment log with records (a single-node data dir) or one that
 * does not start where the state ends is refused, and nothing is removed.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { StagedLogWriter } from "../../../src/backup/staged-log-writer.ts";
import { prepareClusterDataDir } from "../../../src/cluster/cluster-data-dir.ts";
import { isStemeError } from "../../../src/errors.ts";
import { SegmentLog } from "../../../src/log/segment-log.ts";
import { silentLogger } from "../../../src/logger.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const refusal = (dataDir: string, applied: number) => {
  try {
    prepareClusterDataDir(dataDir, applied, silentLogger);
    return undefined;
  } catch (e) {
    return e;
  }
};

describe("prepareClusterDataDir", () => {
  test("a data dir without wal/ is left as it is", () => {
    using dir = tempDir();
    expect(refusal(dir.path, 0)).toBeUndefined();
    expect(existsSync(join(dir.path, "wal"))).toBe(false);
  });

  test("the empty log a restore leaves after the snapshot's LSN is removed", () => {
    using dir = tempDir();
    new StagedLogWriter(join(dir.path, "wal"), 41).close();
    expect(refusal(dir.path, 40)).toBeUndefined();
    expect(existsSync(join(dir.path, "wal"))).toBe(false);
  });

  test("an empty log that does not start right after the state's LSN is refused", () => {
    using dir = tempDir();
    new StagedLogWriter(join(dir.path, "wal"), 41).close();
    const e = refusal(dir.path, 7);
    expect(isStemeError(e, "config_invalid")).toBe(true);
    expect(existsSync(join(dir.path, "wal"))).toBe(true);
  });

  test("a single-node segment log with records is refused, naming what it holds", async () => {
    using dir = tempDir();
    const log = await SegmentLog.open(join(dir.path, "wal"), { fsyncDir: false });
    await log.append([{ type: 1, payload: new Uint8Array([1, 2, 3]) }]);
    await log.close();
    const e = refusal(dir.path, 1);
    expect(isStemeError(e, "config_invalid")).toBe(true);
    expect((e as Error).message).toContain("1 record(s), lsn 1..1");
    expect((e as Error).message).toContain("single-node data dir");
    expect(existsSync(join(dir.path, "wal"))).toBe(true);
  });
});
