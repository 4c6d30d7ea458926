import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { isSqliteBusy, retryWhileBusy } from "../../../src/engine/busy-retry.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

/** Two connections to one WAL database; `holder` can take the write lock away from `writer`. */
function pair(dir: string) {
  const path = join(dir, "s.sqlite");
  const holder = new Database(path, { create: true });
  holder.run("PRAGMA journal_mode = WAL");
  holder.run("CREATE TABLE t (v INTEGER)");
  const writer = new Database(path);
  writer.run("PRAGMA busy_timeout = 0"); // a held lock fails at once: SQLITE_BUSY, for real
  const insert = (v: number) =>
    writer.transaction(() => writer.run("INSERT INTO t VALUES (?)", [v])).immediate();
  const count = () => (writer.query("SELECT count(*) AS n FROM t").get() as { n: number }).n;
  return { holder, writer, insert, count };
}

describe("retryWhileBusy", () => {
  test("runs the transaction again once the lock is free, and it commits once", () => {
    using dir = tempDir();
    const { holder, writer, insert, count } = pair(dir.path);
    holder.run("BEGIN IMMEDIATE");
    const retries: number[] = [];
    retryWhileBusy(() => insert(1), {
      pauseMs: () => 0,
      onRetry: (attempt, e) => {
        expect(isSqliteBusy(e)).toBe(true);
        retries.push(attempt);
        if (attempt === 2) holder.run("COMMIT");
      },
    });
    expect(retries).toEqual([1, 2]);
    expect(count()).toBe(1);
    writer.close();
    holder.close();
  });

  test("gives up after its attempts with the busy error", () => {
    using dir = tempDir();
    const { holder, writer, insert, count } = pair(dir.path);
    holder.run("BEGIN IMMEDIATE");
    let tries = 0;
    let thrown: unknown;
    try {
      retryWhileBusy(
        () => {
          tries++;
          insert(1);
        },
        { attempts: 3, pauseMs: () => 0 },
      );
    } catch (e) {
      thrown = e;
    }
    expect(tries).toBe(3);
    expect(isSqliteBusy(thrown)).toBe(true);
    holder.run("COMMIT");
    expect(count()).toBe(0);
    writer.close();
    holder.close();
  });

  test("does not retry other errors", () => {
    let tries = 0;
    expect(() =>
      retryWhileBusy(() => {
        tries++;
        throw Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" });
      }),
    ).toThrow("disk I/O error");
    expect(tries).toBe(1);
  });
});
