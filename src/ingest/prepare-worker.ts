/**
 * Worker entry: runs `prepareAssertion` (schema, RFC 8785, BLAKE3, Ed25519
 * verify) for a chunk of documents off the writer's thread, so the cores
 * verify in parallel while the writer commits (SPEC §1, §11). Results go back
 * as one transferred buffer (prepared-codec.ts). In the compiled binary this
 * file is an extra entry point of `bun build`.
 */
import { prepareAssertion } from "../protocol/prepare.ts";
import type { PrepareJob, PrepareReply } from "./prepare-messages.ts";
import { prepareOne } from "./prepare-one.ts";
import { encodePrepared } from "./prepared-codec.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<PrepareJob>) => {
  const { job, docs, limits } = event.data;
  const results = encodePrepared(docs.map((doc) => prepareOne(doc, limits, prepareAssertion)));
  const reply: PrepareReply = { job, results };
  self.postMessage(reply, [results]);
};

// Imports above may finish with a top-level await (the WASM BLAKE3), during
// which a message could arrive before `onmessage` exists; the pool therefore
// posts nothing until it hears this.
const ready: PrepareReply = { job: 0, results: new ArrayBuffer(0) };
self.postMessage(ready);
