/**
 * Child process for retention-cuts.test.ts: opens the engine on argv[2] with
 * 4 KiB segments and a retention of 0 hours, writes from 8 concurrent
 * writers, and every 20th batch runs retention (a TRUNCATE checkpoint of
 * SQLite, then removal of the applied segments). One line per acknowledged
 * write, printed only after the engine answered:
 *   ack <id> <seq> <sth.tree_size> <sth.root>
 * and `retention <segments removed>` after each retention pass. The parent
 * cuts the power and SIGKILLs this process at a random moment.
 */
import { randomBytes } from "node:crypto";
import { Engine } from "../../src/engine/engine.ts";
import { silentLogger } from "../../src/logger.ts";
import { prepareAssertion } from "../../src/protocol/prepare.ts";
import { fastSigner } from "../helpers/fast-sign.ts";

const dataDir = process.argv[2] as string;
const engine = await Engine.open({
  dataDir,
  logger: silentLogger,
  segmentBytes: 4096,
  logRetentionHours: 0,
});
const signer = fastSigner(randomBytes(32));
process.stdout.write("ready\n");

let n = 0;
let batches = 0;
async function writer(w: number): Promise<never> {
  for (;;) {
    const batch = Array.from({ length: 1 + (n % 4) }, () => {
      const a = signer.sign({ concept: `cut/w${w}`, predicate: "n", value: n++, ts: Date.now() });
      return prepareAssertion(a, { nowMs: Date.now(), maxSkewMs: 300_000, maxValueBytes: 16_384 });
    });
    const r = await engine.ingest(batch);
    const lines = r.outcomes.map(
      (o) => `ack ${o.id} ${"seq" in o ? o.seq : 0} ${r.sth.tree_size} ${r.sth.root}\n`,
    );
    if (++batches % 20 === 0) lines.push(`retention ${engine.runRetention().length}\n`);
    process.stdout.write(lines.join(""));
  }
}
await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
