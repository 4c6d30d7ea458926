/**
 * Worker entry: runs `prepareAssertion` (schema, RFC 8785, BLAKE3, Ed25519
 * verify) for a chunk of documents off the main thread, so the two cores
 * verify in parallel while the main thread serves HTTP and commits (SPEC §1,
 * §11). Errors travel as plain data and become `StemeError`s again on return.
 * In the compiled binary this file is an extra entry point of `bun build`.
 */
import { isStemeError } from "../errors.ts";
import { prepareAssertion } from "../protocol/prepare.ts";
import type { PrepareJob, PrepareReply, PrepareResult } from "./prepare-messages.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<PrepareJob>) => {
  const { job, docs, limits } = event.data;
  const results = docs.map((doc): PrepareResult => {
    try {
      return { ok: true, prepared: prepareAssertion(doc, limits) };
    } catch (e) {
      if (!isStemeError(e)) return { ok: false, code: "internal", message: String(e), context: {} };
      return { ok: false, code: e.code, message: e.message, context: e.context };
    }
  });
  const reply: PrepareReply = { job, results };
  self.postMessage(reply);
};

// Imports above may finish with a top-level await (the WASM BLAKE3), during
// which a message could arrive before `onmessage` exists; the pool therefore
// posts nothing until it hears this.
const ready: PrepareReply = { job: 0, results: [] };
self.postMessage(ready);
