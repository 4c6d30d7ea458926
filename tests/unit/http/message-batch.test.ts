/**
 * MessageBatch (src/http/message-batch.ts): what is added in one turn of the
 * event loop is sent as one message, in order, with its buffers; the next
 * turn's items go in the next message; nothing is sent for a turn with none.
 */
import { expect, test } from "bun:test";
import { MessageBatch } from "../../../src/http/message-batch.ts";

test("items of one turn go as one message, in order, with their transfers", async () => {
  const sent: { items: number[]; transfer: ArrayBuffer[] }[] = [];
  const batch = new MessageBatch<number>((items, transfer) => sent.push({ items, transfer }));
  const a = new ArrayBuffer(1);
  const b = new ArrayBuffer(2);
  batch.add(1, a);
  batch.add(2);
  await Promise.resolve().then(() => batch.add(3, b)); // a microtask later: the same turn
  expect(sent).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(sent).toHaveLength(1);
  expect(sent[0]?.items).toEqual([1, 2, 3]);
  expect(sent[0]?.transfer[0]).toBe(a);
  expect(sent[0]?.transfer[1]).toBe(b);
  batch.add(4);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  expect(sent.map((m) => m.items)).toEqual([[1, 2, 3], [4]]);
});
