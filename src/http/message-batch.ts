/**
 * Messages between two threads gathered per turn of the event loop (SPEC §11,
 * issue 17): a `postMessage` costs both threads a wake-up and an event,
 * whatever it carries, and the writer's thread answers a whole commit group in
 * one turn — so the answers to an HTTP thread's writes travel back as one
 * message, as do the writes it takes in within one turn. Nothing waits longer
 * than the end of the current turn (`setImmediate`).
 */
export class MessageBatch<T> {
  #items: T[] = [];
  #transfer: ArrayBuffer[] = [];
  readonly #send: (items: T[], transfer: ArrayBuffer[]) => void;

  /** `send` posts one message holding `items`, transferring `transfer`. */
  constructor(send: (items: T[], transfer: ArrayBuffer[]) => void) {
    this.#send = send;
  }

  /** Queues `item` (and a buffer to transfer with it) for the message sent at the end of this turn. */
  add(item: T, transfer?: ArrayBuffer): void {
    if (this.#items.length === 0) setImmediate(this.#flush);
    this.#items.push(item);
    if (transfer !== undefined) this.#transfer.push(transfer);
  }

  readonly #flush = (): void => {
    const items = this.#items;
    const transfer = this.#transfer;
    this.#items = [];
    this.#transfer = [];
    this.#send(items, transfer);
  };
}
