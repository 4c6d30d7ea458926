/**
 * What the JetStream-level cluster tests share: a stream's options on a test
 * cluster (R3, no retention limit), and assertion record payloads (the
 * engine's codec, src/engine/log-records.ts) whose canonical bytes hold a
 * marker, for the redaction tests to find and erase.
 */
import { encodeAssertionRecord } from "../../../src/engine/log-records.ts";
import type { NatsCluster } from "../../helpers/nats-cluster.ts";

export function streamOptions(cluster: NatsCluster, stream: string) {
  return {
    servers: cluster.nodes.map((n) => n.url),
    stream,
    replicas: 3,
    maxAgeMs: 0,
    maxMessages: 0,
    duplicateWindowMs: 120_000,
  };
}

/** Assertion record payload `i` (seq 0: assigned at apply, as in cluster mode), received at `receivedAt`. */
export function markedAssertionPayload(id: Uint8Array, i: number, receivedAt: number): Uint8Array {
  return encodeAssertionRecord({
    seq: 0,
    status: 1,
    receivedAt,
    id,
    sig: new Uint8Array(64),
    reasons: [],
    canonical: new TextEncoder().encode(`{"value":"MARKER-${i}"}`),
  });
}
