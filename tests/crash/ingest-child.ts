/**
 * Child process for the crash test: opens the engine on argv[2] and writes
 * forever from 16 concurrent writers, printing one line per acknowledged write:
 *   ack <id> <seq> <sth.tree_size> <sth.root>
 * A line is printed only after the engine answered, i.e. after fsync. The
 * parent SIGKILLs this process at a random moment.
 *
 * argv[3], optional, JSON: `segmentBytes` (default 64 KiB), `retentionHours`,
 * and `retentionEvery` N: run log retention (a TRUNCATE checkpoint, then the
 * removal of applied segments) after every Nth batch, printing
 * `retention <segments removed>` (tests/powerloss/retention-cuts.test.ts).
 */
import { randomBytes } from "node:crypto";
import { Engine } from "../../src/engine/engine.ts";
import { silentLogger } from "../../src/logger.ts";
import { prepareAssertion } from "../../src/protocol/prepare.ts";
import { fastSigner } from "../helpers/fast-sign.ts";

const dataDir = process.argv[2] as string;
const options = JSON.parse(process.argv[3] ?? "{}") as {
  segmentBytes?: number;
  retentionHours?: number;
  retentionEvery?: number;
};
const engine = await Engine.open({
  dataDir,
  logger: silentLogger,
  segmentBytes: options.segmentBytes ?? 64 * 1024,
  logRetentionHours: options.retentionHours,
});
const signer = fastSigner(randomBytes(32));
const head = engine.treeHead();
process.stdout.write(`ready ${head.tree_size} ${head.root}\n`);

let n = 0;
let batches = 0;
async function writer(w: number): Promise<never> {
  for (;;) {
    const batch = Array.from({ length: 1 + (n % 3) }, () => {
      const a = signer.sign({ concept: `crash/w${w}`, predicate: "n", value: n++, ts: Date.now() });
      return prepareAssertion(a, { nowMs: Date.now(), maxSkewMs: 300_000, maxValueBytes: 16_384 });
    });
    const r = await engine.ingest(batch);
    const lines = r.outcomes.map(
      (o) => `ack ${o.id} ${"seq" in o ? o.seq : 0} ${r.sth.tree_size} ${r.sth.root}\n`,
    );
    if (options.retentionEvery && ++batches % options.retentionEvery === 0) {
      lines.push(`retention ${engine.runRetention().length}\n`);
    }
    process.stdout.write(lines.join(""));
  }
}
await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)));
