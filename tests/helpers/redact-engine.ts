/**
 * Redacts an assertion through the engine's ingest (SPEC §12), as `POST
 * /v1/assert` does, and finishes the log and WAL scrub the API waits for.
 */
import type { Engine } from "../../src/engine/engine.ts";
import { prepare, type testAgent } from "./agents.ts";

export async function redactThrough(
  engine: Engine,
  operator: ReturnType<typeof testAgent>,
  target: string,
  reason = "personal_data",
): Promise<{ id: string; seq: number }> {
  const r = await engine.ingest([
    prepare(
      operator.sign({
        concept: "_stemedb/redactions",
        predicate: "redacts",
        value: { target, reason },
      }),
    ),
  ]);
  await engine.redactions.scrub();
  return r.outcomes[0] as { id: string; seq: number };
}
