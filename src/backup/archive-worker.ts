/**
 * Worker entry of the server's archiver (archive-thread.ts, SPEC §7): opens
 * the target from its URL with the environment the server was given (AWS_*),
 * then runs each round it is sent (archive-rounds.ts: read the durable frames
 * from the segment files, zstd, BLAKE3, upload, listing) on this thread's own
 * event loop, one at a time, and answers with the round's result. A target
 * that cannot be opened fails every round with the reason. In the compiled
 * binary this file is an extra entry point of `bun build` (SPEC §11).
 */
import type { ArchiveCommand, ArchiveReply } from "./archive-messages.ts";
import { type ArchiveRounds, errorText, noShipment, ShipperRounds } from "./archive-rounds.ts";
import { openTarget } from "./open-target.ts";

declare const self: Worker;

let rounds: Promise<ArchiveRounds> | undefined;
/** Rounds run one after another, in the order they arrived. */
let turn: Promise<unknown> = Promise.resolve();

self.onmessage = (event: MessageEvent<ArchiveCommand>) => {
  const command = event.data;
  if (command.kind === "start") {
    const { kind: _kind, url, config, env, ...options } = command;
    rounds = openTarget(url, config, env).then(
      (target) => new ShipperRounds({ ...options, target }),
    );
    return;
  }
  turn = turn.then(async () => {
    let reply: ArchiveReply;
    try {
      if (rounds === undefined) throw new Error("archive worker got a round before start");
      reply = { kind: "result", id: command.id, result: await (await rounds).run(command.request) };
    } catch (e) {
      const result = {
        ok: false,
        error: errorText(e),
        archivedLsn: undefined,
        shipped: noShipment(),
      };
      reply = { kind: "result", id: command.id, result };
    }
    self.postMessage(reply);
  });
};

const ready: ArchiveReply = { kind: "ready" };
self.postMessage(ready);
