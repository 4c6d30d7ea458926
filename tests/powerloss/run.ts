/**
 * `npm run powerloss` — the long power-loss run (ops/docs/durability.md):
 *
 *   bun tests/powerloss/run.ts [--cuts N] [--minutes M] [--seed S] [--fuzz N]
 *
 * `--cuts N` (default 100) power cuts under concurrent single and batch
 * writers on one data dir on cutfs (cuts-under-load.ts), then `stemedb verify`
 * on what the last cut left (`--minutes M` stops cutting after M minutes); `--fuzz N` (default 0) seeded HTTP requests
 * through the in-process app (http-fuzz.ts, SPEC §3: never a 5xx) afterwards.
 * Prints one progress line per cut and a summary; exits 1 on any failure.
 * Needs root, /dev/fuse and python3-fusepy.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mountCutfs } from "./cutfs/cutfs-mount.ts";
import { runCutsUnderLoad, verifyDataDir } from "./cuts-under-load.ts";
import { runHttpFuzz } from "./http-fuzz.ts";

const { values } = parseArgs({
  options: {
    cuts: { type: "string", default: "100" },
    seed: { type: "string" },
    fuzz: { type: "string", default: "0" },
    minutes: { type: "string" },
  },
});
const cuts = Number(values.cuts);
const seed = Number(values.seed ?? Date.now() % 1_000_000);
const fuzz = Number(values.fuzz);
const started = performance.now();
let failed = false;

if (cuts > 0) {
  await using fs = await mountCutfs();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => void fs.unmount().finally(() => process.exit(130)));
  }
  const until =
    values.minutes === undefined ? undefined : Date.now() + Number(values.minutes) * 60_000;
  const f = await runCutsUnderLoad(fs, { cuts, seed, until, log: (line) => console.error(line) });
  const verify = await verifyDataDir(join(fs.dir, "data"));
  const stats = await fs.stats();
  for (const line of f.failures) console.log(`FAIL ${line}`);
  console.log(
    `power loss (seed ${seed}): ${f.cuts} cuts, ${f.acknowledged} acknowledged writes, ${f.lost} lost, ` +
      `${f.wrongSeq} with another seq, ${f.headsChecked} tree heads and ${f.receiptsChecked} receipts proved, ` +
      `${f.tornTails} torn log tails cut at recovery; ` +
      `verify ${verify.code === 0 ? "PASS" : "FAIL"}; the layer dropped ${stats.dropped_bytes} unsynced bytes ` +
      `and ${stats.dropped_names} unsynced names (${stats.counts.fdatasync ?? 0} fdatasync, ` +
      `${stats.counts.fsync_full ?? 0} fsync, ${stats.counts.fsyncdir ?? 0} fsyncdir reached FUSE)`,
  );
  if (verify.code !== 0) console.log(verify.output);
  failed ||= f.failures.length > 0 || verify.code !== 0;
}

if (fuzz > 0) {
  const r = await runHttpFuzz({ requests: fuzz, seed, log: (line) => console.error(line) });
  for (const line of r.failures) console.log(`FAIL ${line}`);
  console.log(
    `http fuzz (seed ${seed}): ${r.requests} requests, ${r.acknowledged} acknowledged, ` +
      `${r.byStatus} by status; stored ${r.stored}, verify ${r.verified ? "PASS" : "FAIL"}`,
  );
  failed ||= r.failures.length > 0 || !r.verified;
}

console.log(`took ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);
