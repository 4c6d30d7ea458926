/** Messages between the archive worker (archive-worker.ts) and its client (archive-thread.ts). */
import type { RoundRequest, RoundResult, ShipperRoundsOptions } from "./archive-rounds.ts";
import type { TargetConfig, TargetEnv } from "./open-target.ts";

/** To the worker: open the target once, then run rounds in order. */
export type ArchiveCommand =
  | ({ kind: "start"; url: string; config: TargetConfig; env: TargetEnv } & Omit<
      ShipperRoundsOptions,
      "target"
    >)
  | { kind: "round"; id: number; request: RoundRequest };

/** From the worker: ready to take commands, or the result of round `id`. */
export type ArchiveReply = { kind: "ready" } | { kind: "result"; id: number; result: RoundResult };
