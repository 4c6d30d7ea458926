/**
 * Redacts an assertion through the engine's ingest (SPEC §12), as `POST
 * /v1/assert` does, and finishes the log and WAL scrub the API waits for;
 * `writeMarked` writes the assertion to redact and registers its operator.
 */
import type { Engine } from "../../src/engine/engine.ts";
import { prepare, testAgent } from "./agents.ts";

/**
 * An operator key (role set) and an assertion whose value is a fresh marker,
 * written through ingest: the marker is what a byte search must no longer find.
 */
export async function writeMarked(
  engine: Engine,
): Promise<{ marker: string; operator: ReturnType<typeof testAgent>; targetId: string }> {
  const marker = `MARKER-${crypto.randomUUID()}`;
  const operator = testAgent(98);
  await engine.updateAgent({ agent: operator.key, role: "operator" });
  const r = await engine.ingest([
    prepare(testAgent(99).sign({ concept: "acme/x", predicate: "note", value: marker })),
  ]);
  return { marker, operator, targetId: (r.outcomes[0] as { id: string }).id };
}

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
