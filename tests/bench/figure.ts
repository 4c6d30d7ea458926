/**
 * One reported figure: StemeDB's value, the baselines measured in the same run
 * (SPEC §9: each figure next to a baseline, as a ratio), and the SPEC §9 target
 * when there is one. `report.ts` turns these into the table and the JSON file.
 */
export interface Baseline {
  name: string;
  value: number;
}

export interface Target {
  op: ">=" | "<=";
  value: number;
}

export interface Figure {
  /** Stable key in the JSON file. */
  key: string;
  name: string;
  unit: string;
  value: number;
  baselines: Baseline[];
  target?: Target;
  /** For a value estimated inside a histogram bucket: the bucket's edges. */
  bucket?: [number, number];
  details?: Record<string, unknown>;
}

export function meets(value: number, target: Target): boolean {
  return target.op === ">=" ? value >= target.value : value <= target.value;
}

/** StemeDB / baseline, or null when the baseline is not a positive number. */
export function ratio(value: number, baseline: Baseline): number | null {
  return Number.isFinite(baseline.value) && baseline.value > 0 ? value / baseline.value : null;
}
