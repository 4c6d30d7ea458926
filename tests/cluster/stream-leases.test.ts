/**
 * Turns through the stream (stream-leases.ts) on a real 3-node JetStream
 * cluster: of nodes asking at once exactly one gets the turn (JetStream's
 * compare-and-set on the subject's last sequence), the holder keeps it by
 * asking again, another node gets it only once it expired, and each task has
 * its own lease. Time is passed in (`now`), so nothing waits for a lease to
 * run out.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { JetStreamLog } from "../../src/cluster/jetstream-log.ts";
import { silentLogger } from "../../src/logger.ts";
import { NATS, NATS_SERVER, type NatsCluster, startNatsCluster } from "../helpers/nats-cluster.ts";
import { streamOptions } from "./lib/stream-fixtures.ts";

const suite = NATS_SERVER ? describe : describe.skip;
const name = `stream leases on a 3-node cluster${NATS.skipReason}`;
const HOLD = 60_000;

suite(name, () => {
  let cluster: NatsCluster;
  const logs: JetStreamLog[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    for (let i = 0; i < 3; i++) {
      logs.push(
        await JetStreamLog.open({ ...streamOptions(cluster, "leases_e2e"), logger: silentLogger }),
      );
    }
  });
  afterAll(async () => {
    for (const log of logs) await log.close();
    await cluster?.stop();
  });

  test("one node of three gets the turn; the holder renews it; another takes it once it expired", async () => {
    const t0 = Date.now();
    const [a, b, c] = logs.map((l) => l.leases) as [
      JetStreamLog["leases"],
      JetStreamLog["leases"],
      JetStreamLog["leases"],
    ];
    const first = await Promise.all([a, b, c].map((l) => l.take("scrub", HOLD, t0)));
    expect(first.filter(Boolean)).toHaveLength(1);
    const holder = [a, b, c][first.indexOf(true)] as typeof a;
    const others = [a, b, c].filter((l) => l !== holder);

    // Within the hold: the holder keeps it, asking again (past a third of the hold: a renewal
    // through the stream) moves it on; the others are refused.
    expect(await holder.take("scrub", HOLD, t0 + HOLD / 2)).toBe(true);
    for (const l of others) expect(await l.take("scrub", HOLD, t0 + HOLD)).toBe(false);
    // The renewal at t0 + HOLD/2 holds it until t0 + 1.5 HOLD, not t0 + HOLD.
    for (const l of others) expect(await l.take("scrub", HOLD, t0 + HOLD + 1)).toBe(false);

    // The holder stops asking (it died): past its hold the others race, one wins.
    const late = t0 + 2 * HOLD;
    const second = await Promise.all(others.map((l) => l.take("scrub", HOLD, late)));
    expect(second.filter(Boolean)).toHaveLength(1);
    const next = others[second.indexOf(true)] as typeof a;
    expect(await holder.take("scrub", HOLD, late + 1)).toBe(false);
    expect(await next.take("scrub", HOLD, late + 2)).toBe(true);

    // Another task's lease is its own.
    expect(await holder.take("other-task", HOLD, late)).toBe(true);
  }, 30_000);
});
