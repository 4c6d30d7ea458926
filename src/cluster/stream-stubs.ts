/**
 * Where a cluster keeps the stubs of the records it erased (SPEC §10, §12).
 * A redacted assertion's message is erased from the records stream, which
 * leaves a hole at its sequence (its LSN); a node that reads the stream
 * afterwards (catching up, restarting, joining from a snapshot) must still
 * apply a leaf there, or its tree would differ from every other node's. The
 * stub record (type 4: seq, received_at, id — nothing of the content) is kept
 * here, one message per erased LSN on subject `stemedb.<stream>.stubs.<lsn>`,
 * in a stream of its own (`<stream>_stubs`), so the records stream's
 * sequences stay one per record and the follower can fetch a stub by the
 * sequence it finds missing.
 *
 * The stubs stream keeps one message per subject and has no age or count
 * limit: a stub is 50 bytes and must outlive the records stream's
 * retention as long as a node may read past the hole.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { StemeError } from "../errors.ts";

export const stubsStreamOf = (stream: string) => `${stream}_stubs`;
const subjectOf = (stream: string, lsn: number) => `stemedb.${stream}.stubs.${lsn}`;

export class StreamStubs {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #name: string;

  constructor(js: JetStreamClient, jsm: JetStreamManager, stream: string) {
    this.#js = js;
    this.#jsm = jsm;
    this.#stream = stream;
    this.#name = stubsStreamOf(stream);
  }

  /** Creates the stubs stream when it is missing (replicated like the records stream). */
  async ensure(replicas: number): Promise<void> {
    try {
      await this.#jsm.streams.info(this.#name);
    } catch (e) {
      if (!String(e).includes("stream not found")) throw e;
      await this.#jsm.streams.add({
        name: this.#name,
        subjects: [`stemedb.${this.#stream}.stubs.*`],
        num_replicas: replicas,
        max_msgs_per_subject: 1,
      });
    }
  }

  /**
   * Stores the stub record body (u8 type ‖ payload, as in the records stream)
   * of `lsn` and resolves once JetStream acknowledged it (quorum-durable).
   * Every node may put the same stub: the dedup id and one message per
   * subject keep one.
   */
  async put(lsn: number, body: Uint8Array): Promise<void> {
    await this.#js.publish(subjectOf(this.#stream, lsn), body, {
      msgID: `stub-${this.#stream}-${lsn}`,
      timeout: 5_000,
    });
  }

  /** The stub record body of `lsn`, or undefined when no record was erased there. */
  async get(lsn: number): Promise<Uint8Array | undefined> {
    try {
      const m = await this.#jsm.streams.getMessage(this.#name, {
        last_by_subj: subjectOf(this.#stream, lsn),
      });
      return m === null ? undefined : m.data;
    } catch (e) {
      if (String(e).includes("stream not found")) return undefined; // no stub was ever put
      throw new StemeError(
        "storage_unavailable",
        `cannot read the stub of lsn ${lsn}: ${String(e)}`,
        {},
        e,
      );
    }
  }
}
