/**
 * Messages between the ingest service and its prepare workers. Documents go
 * out as structured clones (they are parsed JSON); results come back as one
 * transferable buffer (`prepared-codec.ts`), so nothing is cloned object by
 * object on the way back to the writer's thread.
 */
import type { PrepareLimits } from "../protocol/prepare.ts";

export interface PrepareJob {
  job: number;
  docs: unknown[];
  limits: PrepareLimits;
}

export interface PrepareReply {
  job: number;
  /** `encodePrepared` of the results, in input order; empty for the ready signal (job 0). */
  results: ArrayBuffer;
}
