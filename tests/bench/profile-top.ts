/**
 * Summarizes a `bun --cpu-prof` profile (Chrome .cpuprofile JSON): the top
 * functions by self time, and for each the JS frames that called it — so a
 * native `get` or `run` is attributed to the SQLite statement's caller.
 *
 *   bun tests/bench/profile-top.ts <file.cpuprofile> [top=15] [callers=3]
 *       [--from S] [--to S] [--inclusive]
 *
 * `--from`/`--to` keep only the samples taken S seconds after the profile
 * began (one phase of a benchmark: the harness's progress lines give the
 * phases' times, the server's start among them). `--inclusive` adds the top
 * functions by total time (self + callees): where a figure's CPU goes by stage.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    from: { type: "string", default: "0" },
    to: { type: "string", default: "Infinity" },
    inclusive: { type: "boolean", default: false },
  },
});
const [file, topArg = "15", callersArg = "3"] = positionals;
if (file === undefined) {
  process.stderr.write("usage: bun tests/bench/profile-top.ts <file.cpuprofile> [top] [callers]\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self samples per node. Counted, not weighted by time deltas: the sampler
// does not sample an idle thread, so a delta can span an idle gap.
const selfUs = new Map<number, number>();
if (profile.samples) {
  const fromUs = Number(opts.from) * 1e6;
  const toUs = Number(opts.to) * 1e6;
  let t = 0;
  for (const [i, id] of profile.samples.entries()) {
    t += profile.timeDeltas?.[i] ?? 0;
    if (t >= fromUs && t <= toUs) selfUs.set(id, (selfUs.get(id) ?? 0) + 1);
  }
} else {
  for (const n of profile.nodes) selfUs.set(n.id, n.hitCount ?? 0);
}

const where = (f: CallFrame) =>
  f.url === "" ? "[native]" : `${relative(process.cwd(), f.url)}:${f.lineNumber + 1}`;
const label = (f: CallFrame) => `${f.functionName || "(anonymous)"} ${where(f)}`;
const isIdle = (f: CallFrame) => ["(idle)", "(program)", "(root)"].includes(f.functionName);

/** The nearest ancestor frame with a source location (the JS caller of a native function). */
function jsCaller(id: number): string {
  let p = parent.get(id);
  while (p !== undefined) {
    const f = byId.get(p)?.callFrame;
    if (f && f.url !== "") return label(f);
    p = parent.get(p);
  }
  return "(top)";
}

const fns = new Map<string, { us: number; callers: Map<string, number> }>();
let total = 0;
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node === undefined || isIdle(node.callFrame)) continue;
  total += us;
  const key = label(node.callFrame);
  const entry = fns.get(key) ?? { us: 0, callers: new Map<string, number>() };
  entry.us += us;
  const caller = jsCaller(id);
  entry.callers.set(caller, (entry.callers.get(caller) ?? 0) + us);
  fns.set(key, entry);
}

const pct = (us: number) => `${((us / total) * 100).toFixed(1)}%`.padStart(6);
process.stdout.write(`${total} samples (idle excluded)\n`);
for (const [fn, e] of [...fns].sort((a, b) => b[1].us - a[1].us).slice(0, Number(topArg))) {
  process.stdout.write(`${pct(e.us)} ${fn}\n`);
  const callers = [...e.callers].sort((a, b) => b[1] - a[1]).slice(0, Number(callersArg));
  for (const [c, us] of callers) process.stdout.write(`         ${pct(us)} ← ${c}\n`);
}

if (opts.inclusive) {
  // Each function's samples counted once per sample, however often it recurs on the stack.
  const incl = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined || isIdle(node.callFrame)) continue;
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const f = byId.get(p)?.callFrame;
      if (f === undefined || isIdle(f)) continue;
      const key = label(f);
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  process.stdout.write("\nby total time (self + callees):\n");
  for (const [fn, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg) * 2)) {
    process.stdout.write(`${pct(us)} ${fn}\n`);
  }
}
