/**
 * Turns for work that one node of a cluster should do at a time (SPEC §10,
 * §12): the archive URL's redaction scrub, which every node configured with
 * `--archive-to` could run but one should. A lease is the last message on
 * subject `stemedb.<stream>.leases.<task>` of a stream of its own
 * (`<stream>_leases`, one message per subject, replicated like the records
 * stream, created by the first node that asks), holding `{holder, until}`.
 * Taking or renewing it is a compare-and-set: the publish carries
 * `Nats-Expected-Last-Subject-Sequence` = the sequence of the lease message
 * this node read (0: none) — how JetStream's own key-value buckets do
 * `create` and `update` — and a `Nats-Msg-Id` made of that sequence, so of two
 * nodes racing for an expired lease JetStream stores one message and answers
 * the other "wrong last sequence" or "duplicate".
 *
 * A lease is an optimisation, not a lock anything's safety rests on: a holder
 * that stalls past `until` (or clocks that disagree by more than the margin)
 * may let a second node run the same task for a while. The tasks it guards
 * are written to be safe that way (the scrub writes new objects before it
 * deletes old ones); the lease keeps them from doing the work twice.
 *
 * `take` answers from memory while the lease is known to be this node's for
 * another two thirds of its hold, or another's until it expires, so a task
 * that asks every second costs the stream one read and one publish every
 * third of the hold.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { StemeError } from "../errors.ts";

export const leasesStreamOf = (stream: string) => `${stream}_leases`;
const subjectOf = (stream: string, task: string) => `stemedb.${stream}.leases.${task}`;

interface LeaseBody {
  holder: string;
  /** Milliseconds since the epoch, by the holder's clock. */
  until: number;
}

export class StreamLeases {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #name: string;
  readonly #replicas: number;
  /** Who this process is to the other nodes: a lease outlives a restart only until it expires. */
  readonly #holder = crypto.randomUUID();
  #ensured: Promise<void> | undefined;
  /** Per task: what this node knows without asking (whose it is, until when by its clock). */
  readonly #known = new Map<string, { mine: boolean; until: number }>();

  constructor(js: JetStreamClient, jsm: JetStreamManager, stream: string, replicas: number) {
    this.#js = js;
    this.#jsm = jsm;
    this.#stream = stream;
    this.#name = leasesStreamOf(stream);
    this.#replicas = replicas;
  }

  /**
   * True when `task` is this node's turn: the lease was free, expired, or
   * already this node's, and is now held for `holdMs` more. False while
   * another node holds it (or won the race for it just now).
   */
  async take(task: string, holdMs: number, now = Date.now()): Promise<boolean> {
    const known = this.#known.get(task);
    if (known !== undefined && !known.mine && now < known.until) return false;
    if (known?.mine && now < known.until - (holdMs * 2) / 3) return true;
    try {
      await this.#ensure();
      const subject = subjectOf(this.#stream, task);
      const last = await this.#jsm.streams.getMessage(this.#name, { last_by_subj: subject });
      const held = last === null ? undefined : (last.json<LeaseBody>() as LeaseBody);
      if (held !== undefined && held.holder !== this.#holder && now < held.until) {
        this.#known.set(task, { mine: false, until: held.until });
        return false;
      }
      const body: LeaseBody = { holder: this.#holder, until: now + holdMs };
      const expected = last?.seq ?? 0;
      try {
        const ack = await this.#js.publish(subject, JSON.stringify(body), {
          expect: { lastSubjectSequence: expected },
          // Also one message per lease sequence: nats-server 2.9 checks the expected
          // sequence against what it stored, not against proposals still in flight, so
          // two nodes racing on a replicated stream could both pass it.
          msgID: `lease-${task}-${expected}`,
          timeout: 5_000,
        });
        if (ack.duplicate) throw new Error("wrong last sequence (a duplicate of another's)");
      } catch (e) {
        if (!String(e).includes("wrong last sequence")) throw e;
        this.#known.delete(task); // another node took it first: read it next time
        return false;
      }
      this.#known.set(task, { mine: true, until: body.until });
      return true;
    } catch (e) {
      this.#known.delete(task);
      throw new StemeError(
        "storage_unavailable",
        `cannot take the ${task} lease on stream ${this.#name}: ${String(e)}`,
        {},
        e,
      );
    }
  }

  /**
   * Creates the leases stream when it is missing (replicated like the records
   * stream), and waits (bounded) until it has a leader to answer reads.
   */
  #ensure(): Promise<void> {
    this.#ensured ??= (async () => {
      const deadline = Date.now() + 10_000;
      let info = await this.#jsm.streams.info(this.#name).catch((e) => {
        if (!String(e).includes("stream not found")) throw e;
        return this.#jsm.streams.add({
          name: this.#name,
          subjects: [`stemedb.${this.#stream}.leases.*`],
          num_replicas: this.#replicas,
          max_msgs_per_subject: 1,
        });
      });
      while (this.#replicas > 1 && !info.cluster?.leader && Date.now() < deadline) {
        await Bun.sleep(50); // polling JetStream's leader election, bounded by the deadline
        info = await this.#jsm.streams.info(this.#name);
      }
    })().catch((e) => {
      this.#ensured = undefined;
      throw e;
    });
    return this.#ensured;
  }
}
