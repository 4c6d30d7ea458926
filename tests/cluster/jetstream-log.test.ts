/**
 * The replicated log against a real 3-node JetStream cluster (SPEC §10):
 * stream sequences are contiguous LSNs, `Nats-Msg-Id` dedups within the
 * window, followers read back in order from any LSN, a SIGKILLed NATS server
 * does not stop publishing, and a node that fell behind retention is told so.
 * Redaction (SPEC §12): an erased record is read back as its stub, found by
 * its LSN; a record deleted without a stub is a gap, as retention's is.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { JetStreamLog } from "../../src/cluster/jetstream-log.ts";
import { encodeStubRecord, RecordType, STUB_MIN_BYTES } from "../../src/engine/log-records.ts";
import { isStemeError } from "../../src/errors.ts";
import type { LogRecord } from "../../src/log/record-frame.ts";
import { silentLogger } from "../../src/logger.ts";
import { NATS, NATS_SERVER, type NatsCluster, startNatsCluster } from "../helpers/nats-cluster.ts";
import { markedAssertionPayload, streamOptions } from "./lib/stream-fixtures.ts";

const logger = silentLogger;
const suite = NATS_SERVER ? describe : describe.skip;
const name = `JetStreamLog on a 3-node cluster${NATS.skipReason}`;

const payload = (i: number) => new TextEncoder().encode(`record ${i}`);
const text = (r: LogRecord) => new TextDecoder().decode(r.payload);

async function readRange(log: JetStreamLog, from: number, to: number): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const { promise, resolve, reject } = Promise.withResolvers<LogRecord[]>();
  log
    .follow(from, (batch) => {
      out.push(...batch);
      if ((out.at(-1)?.lsn ?? 0) >= to) resolve(out);
    })
    .catch(reject);
  return promise;
}

/** Index of the NATS server that leads `stream`'s Raft group. */
async function streamLeader(cluster: NatsCluster, stream: string): Promise<number> {
  const nc = await connect({ servers: cluster.nodes.map((n) => n.url) });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    return cluster.nodes.findIndex((n) => n.name === info.cluster?.leader);
  } finally {
    await nc.close();
  }
}

suite(name, () => {
  let cluster: NatsCluster;
  const open = (stream: string) => JetStreamLog.open({ ...streamOptions(cluster, stream), logger });

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test("stream sequences are contiguous LSNs; a msg id published twice is acknowledged as a duplicate of the first", async () => {
    const log = await open("lsn");
    try {
      const acks = await log.publish(
        Array.from({ length: 100 }, (_, i) => ({ type: 1, payload: payload(i), msgId: `id-${i}` })),
      );
      expect(acks.map((a) => a.lsn)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      const again = await log.publish([{ type: 1, payload: payload(7), msgId: "id-7" }]);
      expect(again).toEqual([{ lsn: 8, duplicate: true }]);
      const next = await log.publish([{ type: 2, payload: payload(100) }]);
      expect(next).toEqual([{ lsn: 101, duplicate: false }]);
      expect(await log.position()).toEqual({ firstLsn: 1, lastLsn: 101 });
    } finally {
      await log.close();
    }
  });

  test("a follower reads every record in order from any LSN, type and payload intact", async () => {
    const writer = await open("follow");
    const reader = await open("follow");
    try {
      await writer.publish(
        Array.from({ length: 500 }, (_, i) => ({ type: 1 + (i % 3), payload: payload(i) })),
      );
      const got = await readRange(reader, 250, 500);
      expect(got.map((r) => r.lsn)).toEqual(Array.from({ length: 251 }, (_, i) => i + 250));
      expect(got.map(text)).toEqual(Array.from({ length: 251 }, (_, i) => `record ${i + 249}`));
      expect(got.map((r) => r.type)).toEqual(got.map((r) => 1 + ((r.lsn - 1) % 3)));
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  test("publishing goes on when the stream's leader is SIGKILLed, and the restarted server catches up", async () => {
    const log = await open("failover");
    try {
      await log.publish([{ type: 1, payload: payload(0) }]);
      const leader = await streamLeader(cluster, "failover");
      await cluster.kill(leader);
      const acks = await log.publish(
        Array.from({ length: 200 }, (_, i) => ({ type: 1, payload: payload(i + 1) })),
      );
      expect(acks.at(-1)?.lsn).toBe(201);
      await cluster.start(leader);
      const got = await readRange(log, 1, 201);
      expect(got).toHaveLength(201);
    } finally {
      await log.close();
    }
  }, 60_000);

  test("a node that needs records the stream no longer holds is told to restore from a backup", async () => {
    const log = await open("behind");
    try {
      await log.publish(Array.from({ length: 50 }, (_, i) => ({ type: 1, payload: payload(i) })));
      const nc = await connect({ servers: cluster.nodes.map((n) => n.url) });
      await (await jetstreamManager(nc)).streams.purge("behind", { keep: 10 });
      await nc.close();
      const e = await log.follow(5, () => {}).catch((err: unknown) => err);
      expect(isStemeError(e, "log_behind_stream")).toBe(true);
      expect((e as Error).message).toContain("starts at 41");
    } finally {
      await log.close();
    }
  }, 30_000);

  test("an erased record is read back as its stub (first and inner LSNs); one deleted without a stub is a gap", async () => {
    const log = await open("erase");
    try {
      const ids = Array.from({ length: 20 }, () => crypto.getRandomValues(new Uint8Array(32)));
      await log.publish(
        ids.map((id, i) => ({
          type: RecordType.assertion,
          payload: markedAssertionPayload(id, i, 1000 + i),
        })),
      );
      const stubOf = (i: number) => {
        const stub = encodeStubRecord(
          { seq: i + 1, receivedAt: 1000 + i, id: ids[i] as Uint8Array },
          STUB_MIN_BYTES,
        );
        return new Uint8Array([RecordType.stub, ...stub]);
      };
      for (const i of [0, 7]) {
        const found = await log.findAssertion(ids[i] as Uint8Array, i + 1, 20);
        expect(found?.lsn).toBe(i + 1);
        await log.stubs.put(i + 1, stubOf(i));
        expect(await log.erase(i + 1)).toBe(true);
        expect(await log.erase(i + 1)).toBe(false); // another node's try: already gone
        expect(await log.findAssertion(ids[i] as Uint8Array, i + 1, 20)).toBeUndefined();
      }
      // Past the first LSNs read one by one, the search goes on with a consumer.
      expect((await log.findAssertion(ids[15] as Uint8Array, 1, 20))?.lsn).toBe(16);
      expect(await log.findAssertion(new Uint8Array(32), 1, 20)).toBeUndefined();
      const got = await readRange(log, 1, 20);
      expect(got.map((r) => r.lsn)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(got.map((r) => r.type)).toEqual(
        got.map((r) => (r.lsn === 1 || r.lsn === 8 ? RecordType.stub : RecordType.assertion)),
      );
      expect([...(got[7] as LogRecord).payload]).toEqual([...stubOf(7).subarray(1)]);

      expect(await log.erase(12)).toBe(true); // no stub: a hole nothing explains
      const e = await log.follow(10, () => {}).catch((err: unknown) => err);
      expect(isStemeError(e, "log_behind_stream")).toBe(true);
    } finally {
      await log.close();
    }
  }, 30_000);
});
