/**
 * Summarizes a `bun --cpu-prof` profile (Chrome .cpuprofile JSON): the top
 * functions by self time, and for each the JS frames that called it — so a
 * native `get` or `run` is attributed to the SQLite statement's caller.
 *
 *   bun tests/bench/profile-top.ts <file.cpuprofile> [top=15] [callers=3]
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";

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

const [file, topArg = "15", callersArg = "3"] = process.argv.slice(2);
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
  for (const id of profile.samples) selfUs.set(id, (selfUs.get(id) ?? 0) + 1);
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
