/**
 * One reported figure: StemeDB's value; the SPEC §9 floor it is a ratio to
 * (measured in the same run); the server's CPU per operation next to the
 * floor's; other same-run references (the PostgreSQL peer, bare Bun's
 * latency), shown as ratios but never a bar; and the SPEC §9 target, on the
 * value or on value ÷ floor. `report.ts` turns these into the table and the
 * JSON file.
 */
export interface Baseline {
  name: string;
  value: number;
}

export interface Target {
  op: ">=" | "<=";
  value: number;
  /** "ratio": the target is on value ÷ floor; otherwise on the value. */
  of?: "ratio";
}

export interface CpuPerOp {
  /** The server's CPU µs per operation (all its threads). */
  us: number;
  /** The floor's CPU µs per operation. */
  floorUs?: number;
}

export interface Figure {
  /** Stable key in the JSON file. */
  key: string;
  name: string;
  unit: string;
  value: number;
  floor?: Baseline;
  cpu?: CpuPerOp;
  baselines: Baseline[];
  target?: Target;
  /** For a value estimated inside a histogram bucket: the bucket's edges. */
  bucket?: [number, number];
  details?: Record<string, unknown>;
}

/** value / baseline, or null when the baseline is not a positive number. */
export function ratio(value: number, baseline: Baseline | undefined): number | null {
  if (baseline === undefined) return null;
  return Number.isFinite(baseline.value) && baseline.value > 0 ? value / baseline.value : null;
}

/** Whether the figure meets its target (null: no target, or no floor to take a ratio to). */
export function meets(f: Figure): boolean | null {
  if (f.target === undefined) return null;
  const x = f.target.of === "ratio" ? ratio(f.value, f.floor) : f.value;
  if (x === null || !Number.isFinite(x)) return null;
  return f.target.op === ">=" ? x >= f.target.value : x <= f.target.value;
}
