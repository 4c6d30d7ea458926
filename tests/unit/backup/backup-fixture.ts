/**
 * A live engine on a temp data dir with helpers to write signed assertions,
 * status changes and registry updates: what the backup and restore tests copy.
 */
import { Engine } from "../../../src/engine/engine.ts";
import { silentLogger } from "../../../src/logger.ts";
import { prepare, testAgent } from "../../helpers/agents.ts";

/** A clock the test moves by hand (received_at of what the engine writes). */
export const testClock = { t: 1_767_225_660_000, now: () => testClock.t };

export async function openLive(dataDir: string, segmentBytes = 4096): Promise<Engine> {
  return Engine.open({ dataDir, logger: silentLogger, segmentBytes, clock: testClock });
}

let counter = 0;

/** Writes `n` assertions in batches of `batch`; returns the ids. */
export async function writeAssertions(engine: Engine, n: number, batch = 10): Promise<string[]> {
  const ids: string[] = [];
  const alice = testAgent(1);
  const bob = testAgent(2);
  for (let done = 0; done < n; ) {
    const items = [];
    for (let i = 0; i < batch && done < n; i++, done++) {
      const who = counter % 2 === 0 ? alice : bob;
      counter++;
      items.push(
        prepare(
          who.sign({
            concept: `acme/svc${counter % 7}`,
            predicate: "status",
            value: { n: counter },
            ts: 1_767_225_600_000 + counter,
          }),
        ),
      );
    }
    const { outcomes } = await engine.ingest(items);
    for (const o of outcomes) ids.push((o as { id: string }).id);
  }
  return ids;
}

export const agents = { alice: testAgent(1), bob: testAgent(2) };
