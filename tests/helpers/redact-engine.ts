/**
 * Redacts an assertion through the engine's ingest (SPEC §12), as `POST
 * /v1/assert` does, and finishes the log and WAL scrub the API waits for;
 * `writeMarked` writes the assertion to redact and registers its operator;
 * `scrubJobFor` is the archive scrub job the server would run over a URL.
 */
import type { BackupTarget } from "../../src/backup/backup-target.ts";
import type { Engine } from "../../src/engine/engine.ts";
import { silentLogger } from "../../src/logger.ts";
import { loadNodeKey, type NodeKey } from "../../src/merkle/node-key.ts";
import {
  ArchiveScrubJob,
  type ArchiveScrubJobOptions,
} from "../../src/redaction/archive-scrub-job.ts";
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

/**
 * The server's archive scrub job over `target` for a test engine in `dir`,
 * signing rebuilt snapshots with that data dir's node key; ticks only when
 * the test calls `run()`.
 */
export function scrubJobFor(
  t: { engine: Engine; dir: string },
  target: BackupTarget,
  extra: Partial<ArchiveScrubJobOptions> = {},
): ArchiveScrubJob {
  return new ArchiveScrubJob({
    state: t.engine.state,
    open: async () => target,
    logger: silentLogger,
    intervalMs: 3_600_000,
    signer: (loadNodeKey(t.dir) as NodeKey).signer,
    ...extra,
  });
}
