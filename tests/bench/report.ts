/**
 * The benchmark's output: a table on stdout (figure | StemeDB | floor | ratio |
 * CPU µs/op, StemeDB and floor | peers | SPEC target | met?), one row per
 * figure, and a JSON file `<YYYY-MM-DD>-<git short sha>[-quick].json` holding
 * every figure, floor, ratio, the raw measurements and the machine it ran on.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Figure, meets, ratio } from "./figure.ts";

export interface ReportedFigure extends Figure {
  /** value ÷ floor. */
  floorRatio: number | null;
  /** value ÷ each baseline. */
  ratios: (number | null)[];
  met: boolean | null;
}

export function withVerdicts(figures: Figure[]): ReportedFigure[] {
  return figures.map((f) => ({
    ...f,
    floorRatio: round(ratio(f.value, f.floor), 3),
    ratios: f.baselines.map((b) => round(ratio(f.value, b), 3)),
    met: meets(f),
  }));
}

const num = (x: number) =>
  !Number.isFinite(x)
    ? String(x)
    : Number.isInteger(x)
      ? x.toLocaleString("en")
      : x.toLocaleString("en", { maximumFractionDigits: Math.abs(x) < 10 ? 3 : 1 });

const times = (r: number | null | undefined) =>
  r === null || r === undefined ? "—" : `${r.toFixed(2)}×`;

export function formatTable(figures: ReportedFigure[]): string {
  const rows: string[][] = [
    [
      "figure",
      "StemeDB",
      "floor (same run)",
      "ratio",
      "CPU µs/op: StemeDB / floor",
      "peers (same run)",
      "SPEC target",
      "met?",
    ],
  ];
  for (const f of figures) {
    const bucket = f.bucket === undefined ? "" : ` (in ${num(f.bucket[0])}–${num(f.bucket[1])})`;
    const target =
      f.target === undefined
        ? "—"
        : `${f.target.op === ">=" ? "≥" : "≤"} ${num(f.target.value)}${f.target.of === "ratio" ? "× floor" : ` ${f.unit}`}`;
    const cpu =
      f.cpu === undefined
        ? "—"
        : `${num(f.cpu.us)}${f.cpu.floorUs === undefined ? "" : ` / ${num(f.cpu.floorUs)}`}`;
    rows.push([
      f.name,
      `${num(f.value)} ${f.unit}${bucket}`,
      f.floor === undefined ? "—" : `${num(f.floor.value)} (${f.floor.name})`,
      times(f.floorRatio),
      cpu,
      f.baselines.length === 0
        ? "—"
        : f.baselines.map((b, i) => `${b.name} ${num(b.value)} (${times(f.ratios[i])})`).join("; "),
      target,
      f.met === null ? "—" : f.met ? "yes" : "NO",
    ]);
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  const line = (r: string[]) =>
    `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`;
  const [head, ...body] = rows;
  return [
    line(head ?? []),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}

export function resultFileName(date: Date, sha: string, mode: string): string {
  const day = date.toISOString().slice(0, 10);
  return `${day}-${sha}${mode === "full" ? "" : `-${mode}`}.json`;
}

/** Writes the result; a second run of the same commit on the same day gets `-2`, `-3`…, never overwrites. */
export function writeResult(outDir: string, name: string, payload: unknown): string {
  mkdirSync(outDir, { recursive: true });
  let path = join(outDir, name);
  for (let n = 2; existsSync(path); n++) path = join(outDir, name.replace(/\.json$/, `-${n}.json`));
  writeFileSync(path, `${JSON.stringify(payload, null, 2)}\n`);
  return path;
}

function round(x: number | null, digits: number): number | null {
  if (x === null) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
