/**
 * Child process for the redaction crash test (SPEC §12): opens the engine on
 * argv[2], makes an operator, records 300 assertions (small segments, so the
 * target's segment is sealed and others follow) with one holding the marker
 * argv[4], redacts it, and runs the scrub with a fault hook that SIGKILLs this
 * process right after step argv[3] (`tmp-written`, `tmp-synced`, `renamed`,
 * `dir-synced`, `checkpointed`). Prints `head <tree_size> <root>` for the tree
 * head before the redaction and `target <id> <seq>` before the scrub starts.
 */
import { randomBytes } from "node:crypto";
import { Engine } from "../../src/engine/engine.ts";
import { silentLogger } from "../../src/logger.ts";
import type { JsonValue } from "../../src/protocol/assertion.ts";
import { prepareAssertion } from "../../src/protocol/prepare.ts";
import { fastSigner } from "../helpers/fast-sign.ts";

const [dataDir, killAfter, marker] = process.argv.slice(2) as [string, string, string];
const die = (step: string) => {
  if (step === killAfter) process.kill(process.pid, "SIGKILL");
};
const engine = await Engine.open({
  dataDir,
  logger: silentLogger,
  segmentBytes: 16 * 1024,
  redactionHooks: { afterStep: die, afterCheckpoint: () => die("checkpointed") },
});
const writer = fastSigner(randomBytes(32));
const operator = fastSigner(randomBytes(32));
await engine.updateAgent({ agent: operator.agent, role: "operator" });
const limits = { nowMs: Date.now() + 60_000, maxSkewMs: 300_000, maxValueBytes: 16_384 };
const ingest = (a: Parameters<typeof prepareAssertion>[0]) =>
  engine.ingest([prepareAssertion(a, limits)]);

let target = { id: "", seq: 0 };
for (let i = 0; i < 300; i++) {
  const value: JsonValue = i === 40 ? { note: `${marker} at work` } : { n: i };
  const r = await ingest(
    writer.sign({ concept: `crash/k${i % 7}`, predicate: "v", value, ts: Date.now() }),
  );
  const o = r.outcomes[0] as { id: string; seq: number };
  if (i === 40) target = { id: o.id, seq: o.seq };
}
const head = engine.treeHead();
process.stdout.write(`head ${head.tree_size} ${head.root}\n`);
process.stdout.write(`target ${target.id} ${target.seq}\n`);
const redaction = operator.sign({
  concept: "_stemedb/redactions",
  predicate: "redacts",
  value: { target: target.id, reason: "crash_test" },
  ts: Date.now(),
});
await ingest(redaction);
await engine.redactions.scrub();
process.stdout.write("scrubbed\n");
await engine.close();
