/**
 * `ClusterReplication.eraseRedacted` against a real 3-node JetStream cluster
 * (SPEC §10, §12): the redacted assertion's message is found from its seq
 * over `last_lsn - tree_size` more records (here registry and status records
 * before it push its LSN above its seq, past the first LSNs read one by one),
 * its stub stored, the message erased; a second node's try finds it gone; a
 * bound that does not reach the message erases nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ClusterReplication } from "../../src/cluster/cluster-replication.ts";
import { JetStreamLog } from "../../src/cluster/jetstream-log.ts";
import { decodeStubRecord, RecordType } from "../../src/engine/log-records.ts";
import { silentLogger } from "../../src/logger.ts";
import { NATS, NATS_SERVER, type NatsCluster, startNatsCluster } from "../helpers/nats-cluster.ts";
import { markedAssertionPayload, streamOptions } from "./lib/stream-fixtures.ts";

const suite = NATS_SERVER ? describe : describe.skip;
const name = `eraseRedacted on a 3-node cluster${NATS.skipReason}`;

suite(name, () => {
  let cluster: NatsCluster;
  const options = (stream: string) => streamOptions(cluster, stream);

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test("finds the message past the records that made no leaf, stores its stub, erases it once", async () => {
    const log = await JetStreamLog.open({ ...options("erase_bound"), logger: silentLogger });
    const a = await ClusterReplication.open(
      { ...options("erase_bound"), maxLagRecords: 0 },
      silentLogger,
    );
    const b = await ClusterReplication.open(
      { ...options("erase_bound"), maxLagRecords: 0 },
      silentLogger,
    );
    try {
      const status = new TextEncoder().encode(`\u0001{"id":"00","status":1,"at":1}`);
      const ids = Array.from({ length: 10 }, () => crypto.getRandomValues(new Uint8Array(32)));
      // 12 records that make no leaf, then 10 assertions (seqs 1..10 at LSNs 13..22).
      await log.publish(
        Array.from({ length: 12 }, () => ({ type: RecordType.status, payload: status })),
      );
      await log.publish(
        ids.map((id, i) => ({
          type: RecordType.assertion,
          payload: markedAssertionPayload(id, i, 5000 + i),
        })),
      );
      const target = { seq: 3, id: ids[2] as Uint8Array }; // LSN 15
      const applied = { lsn: 22, treeSize: 10 };

      // A bound too small to reach LSN 15 (as if no record but leaves were applied) finds nothing.
      expect(await a.eraseRedacted(target, { lsn: 22, treeSize: 22 })).toBe(false);
      expect(await log.stubs.get(15)).toBeUndefined();

      expect(await a.eraseRedacted(target, applied)).toBe(true);
      expect(await b.eraseRedacted(target, applied)).toBe(false); // another node: already gone
      expect(await log.findAssertion(target.id, 1, 22)).toBeUndefined();
      const stub = (await log.stubs.get(15)) as Uint8Array;
      expect(stub[0]).toBe(RecordType.stub);
      expect(decodeStubRecord(stub.subarray(1))).toEqual({
        seq: 3,
        receivedAt: 5002,
        id: target.id,
      });
    } finally {
      await a.close();
      await b.close();
      await log.close();
    }
  }, 30_000);
});
