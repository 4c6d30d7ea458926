/**
 * The benchmark's output: a table on stdout (figure | StemeDB | baseline |
 * ratio | SPEC target | met?), one row per baseline, and a JSON file
 * `<YYYY-MM-DD>-<git short sha>[-quick].json` holding every figure, baseline,
 * ratio, the raw measurements and the machine it ran on.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Figure, meets, ratio } from "./figure.ts";

export interface ReportedFigure extends Figure {
  ratios: (number | null)[];
  met: boolean | null;
}

export function withVerdicts(figures: Figure[]): ReportedFigure[] {
  return figures.map((f) => ({
    ...f,
    ratios: f.baselines.map((b) => round(ratio(f.value, b), 3)),
    met: f.target === undefined ? null : meets(f.value, f.target),
  }));
}

const num = (x: number) =>
  Number.isInteger(x)
    ? x.toLocaleString("en")
    : x.toLocaleString("en", { maximumFractionDigits: 3 });

export function formatTable(figures: ReportedFigure[]): string {
  const rows: string[][] = [["figure", "StemeDB", "baseline", "ratio", "SPEC target", "met?"]];
  for (const f of figures) {
    const bucket = f.bucket === undefined ? "" : ` (in ${num(f.bucket[0])}–${num(f.bucket[1])})`;
    const value = `${num(f.value)} ${f.unit}${bucket}`;
    const target =
      f.target === undefined ? "—" : `${f.target.op === ">=" ? "≥" : "≤"} ${num(f.target.value)}`;
    const met = f.met === null ? "—" : f.met ? "yes" : "NO";
    if (f.baselines.length === 0) rows.push([f.name, value, "—", "—", target, met]);
    f.baselines.forEach((b, i) => {
      const r = f.ratios[i];
      rows.push([
        i === 0 ? f.name : "",
        i === 0 ? value : "",
        `${num(b.value)} (${b.name})`,
        r === null || r === undefined ? "—" : `${r.toFixed(2)}×`,
        i === 0 ? target : "",
        i === 0 ? met : "",
      ]);
    });
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

export function writeResult(outDir: string, name: string, payload: unknown): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, name);
  writeFileSync(path, `${JSON.stringify(payload, null, 2)}\n`);
  return path;
}

function round(x: number | null, digits: number): number | null {
  if (x === null) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
