/**
 * Child process for the restart test: writes argv[3] assertions in batches of
 * 1000 through the real ingest path, prints `done <tree_size> <root>`, then
 * idles until the parent SIGKILLs it (no clean shutdown).
 */
import { Engine } from "../../src/engine/engine.ts";
import { silentLogger } from "../../src/logger.ts";
import { prepareAssertion } from "../../src/protocol/prepare.ts";
import { fastSigner } from "../helpers/fast-sign.ts";

const dataDir = process.argv[2] as string;
const count = Number(process.argv[3]);
const engine = await Engine.open({ dataDir, logger: silentLogger });
const agents = Array.from({ length: 50 }, (_, i) => fastSigner(new Uint8Array(32).fill(i + 1)));
const limits = { nowMs: Date.now() + 1000, maxSkewMs: 300_000, maxValueBytes: 16_384 };
for (let start = 0; start < count; start += 1000) {
  const batch = [];
  for (let i = start; i < Math.min(count, start + 1000); i++) {
    const agent = agents[i % agents.length] as ReturnType<typeof fastSigner>;
    const a = agent.sign({
      concept: `acme/svc${i % 997}/component${i % 13}`,
      predicate: i % 2 ? "status" : "owner",
      value: { state: i % 3 ? "ok" : "degraded", n: i },
      confidence: 0.5 + (i % 50) / 100,
      ts: 1_767_225_600_000 + i,
    });
    batch.push(prepareAssertion(a, limits));
  }
  await engine.ingest(batch);
}
const head = engine.treeHead();
process.stdout.write(`done ${head.tree_size} ${head.root}\n`);
setInterval(() => {}, 1 << 30);
