/**
 * The messages between the main thread and a reader thread (SPEC §11), as
 * plain structured-clone data. The reader announces `ready` once its module
 * (with the WASM BLAKE3's top-level await) has loaded; only then is it sent
 * `start`.
 */
import type { Config } from "../config.ts";
import type { LogLevel } from "../logger.ts";
import type { ForwardedRequest, ForwardedResponse } from "./forwarding.ts";
import type { MetricsJson } from "./metrics.ts";
import type { RateBuffers } from "./rate-limit.ts";
import type { PreparedWrite, WriteAnswer } from "./write-fast-path.ts";

export type ToReader =
  | {
      kind: "start";
      name: string;
      config: Config;
      port: number;
      dbPath: string;
      /** The levels the main thread's logger keeps: only those lines are posted. */
      logLevels: LogLevel[];
      /** The main app's rate-limit buckets (one budget per client across threads). */
      rateBuffers?: RateBuffers;
      /** The writer's published changes (`ChangeSlots.buffer`), for the answer cache. */
      changes?: SharedArrayBuffer;
      /** Tests only (`ReaderThread.crash`): honour `crash`. */
      testHooks?: boolean;
      /** The main thread answers `writes` (prepared writes sent alone, ./write-fast-path.ts). */
      fastWrites?: boolean;
    }
  | { kind: "response"; id: number; response: ForwardedResponse }
  /** The answers to `writes`, by id (./message-batch.ts: those of one turn together). */
  | { kind: "written"; answers: { id: number; answer: WriteAnswer }[] }
  | { kind: "metrics"; id: number }
  /** The watchdog's: answered with `pong` at once by a thread whose event loop turns. */
  | { kind: "ping" }
  | { kind: "stop" }
  /** Tests only, ignored unless started with `testHooks`: die as a bug would. */
  | { kind: "crash"; how: CrashHow };

/** How a test makes an HTTP thread die (an uncaught exception, `process.exit`) or hang (a busy loop). */
export type CrashHow = "throw" | "exit" | "hang";

export type FromReader =
  | { kind: "ready" }
  /** Listening: the port it got (port 0 picks one) and its URL. */
  | { kind: "started"; port: number; url: string }
  /** `code` is the listen error's (EADDRINUSE, …) when there is one. */
  | { kind: "failed"; message: string; code?: string }
  | { kind: "request"; id: number; request: ForwardedRequest }
  /** Prepared writes alone (their `items` transferred), those of one turn together; answered by `written`. */
  | { kind: "writes"; writes: { id: number; write: PreparedWrite }[] }
  | { kind: "metrics"; id: number; metrics: MetricsJson }
  | { kind: "pong" }
  | { kind: "log"; level: LogLevel; msg: string; ctx?: Record<string, unknown> }
  | { kind: "stopped" };
