/**
 * The benchmark's arithmetic and data (SPEC §9): the floor formulas, the
 * first/last-tenth rates of a load, the seeded Zipf draws and the key
 * scatter, the two dataset shapes (keys distinct, tail queries matching one
 * concept, realistic paths of 3–6 segments and mixed values), and the
 * verdicts on targets stated as ratios to a floor.
 */
import { describe, expect, test } from "bun:test";
import { tenthRates } from "../../bench/figures/batch-ingest.ts";
import { queryPath, zipfKeys } from "../../bench/figures/query-modes.ts";
import { SHAPES } from "../../bench/lib/dataset-shape.ts";
import { computeFloors } from "../../bench/lib/floors.ts";
import { mulberry32, scatter, zipfSampler } from "../../bench/lib/zipf.ts";
import { formatTable, withVerdicts } from "../../bench/report.ts";

describe("floors", () => {
  test("ingest = 2/(1/V + 1/S), single POST = 1/(1/ingest + 1/H_post), with their CPU per op", () => {
    const f = computeFloors({
      verifyPerCore: 16_098,
      sqliteRowsPerSecond: 27_572,
      hGet: 49_238,
      hGetCpuUs: 20,
      hPost: 59_349,
      hPostCpuUs: 30,
    });
    // The figures of issue 17: V 16,098, S 27,572 → 20,328; with H_post 59,349 → ~15,2xx.
    expect(f.ingest.rate).toBe(20_328);
    expect(f.singlePost.rate).toBe(
      Math.round(1 / (1 / (2 / (1 / 16_098 + 1 / 27_572)) + 1 / 59_349)),
    );
    expect(f.verify.cpuUs).toBeCloseTo(62.1, 1);
    expect(f.ingest.cpuUs).toBeCloseTo(1e6 / 16_098 + 1e6 / 27_572, 0);
    expect(f.singlePost.cpuUs).toBeCloseTo(f.ingest.cpuUs + 30, 0);
    expect(f.httpGet).toEqual({ rate: 49_238, cpuUs: 20 });
  });
});

describe("tenthRates", () => {
  test("first tenth over its own time, last tenth from the 90% mark to the end", () => {
    // Batches of 100: the first acknowledged at 1 s, then one every 0.5 s (900 at 5 s), the last at 7 s.
    const marks: [number, number][] = [];
    for (let b = 1; b <= 9; b++) marks.push([b * 100, 1000 + (b - 1) * 500]);
    marks.push([1000, 7000]);
    expect(tenthRates(marks, 1000, 7000)).toEqual({
      firstTenthRate: 100,
      lastTenthRate: 50,
      lastToFirst: 0.5,
    });
  });
});

describe("zipf and scatter", () => {
  test("the same seed draws the same keys; rank 0 is the hottest, near 1/H(m, 1.1) of the draws", () => {
    expect(zipfKeys(5000, 17, 1000)).toEqual(zipfKeys(5000, 17, 1000));
    expect(zipfKeys(5000, 17, 1000)).not.toEqual(zipfKeys(5000, 18, 1000));
    const draw = zipfSampler(1000, 1.1, mulberry32(1));
    const counts = new Array(1000).fill(0);
    for (let i = 0; i < 100_000; i++) counts[draw()]++;
    let h = 0;
    for (let r = 1; r <= 1000; r++) h += 1 / r ** 1.1;
    expect(counts[0] / 100_000).toBeCloseTo(1 / h, 1);
    expect(counts[0]).toBeGreaterThan(counts[1]);
    expect(counts[1]).toBeGreaterThan(counts[9]);
  });

  test("scatter is a bijection of 0..m-1, also when m shares a factor with its stride", () => {
    for (const m of [1, 7, 5000, 104_729 * 2]) {
      const f = scatter(m);
      const seen = new Set<number>();
      for (let i = 0; i < Math.min(m, 300_000); i++) seen.add(f(i));
      expect(seen.size).toBe(Math.min(m, 300_000));
      for (const x of seen) expect(x >= 0 && x < m).toBe(true);
    }
  });
});

describe("dataset shapes", () => {
  for (const shape of Object.values(SHAPES)) {
    test(`${shape.name}: distinct keys; a tail query names one concept`, () => {
      const keys = shape.keyCount(40_000);
      const seen = new Set<string>();
      const tails = new Map<string, string>();
      for (let k = 0; k < keys; k++) {
        const { concept, predicate } = shape.key(k);
        seen.add(`${concept}\u0000${predicate}`);
        const tail = shape.tail(k);
        expect(concept === tail || concept.endsWith(`/${tail}`)).toBe(true);
        const other = tails.get(tail);
        if (other !== undefined) expect(other).toBe(concept);
        tails.set(tail, concept);
      }
      expect(seen.size).toBe(keys);
      const agents = new Set([0, 1, 2, 3].map((j) => shape.agent(12_345, j) % shape.agents));
      expect(agents.size).toBe(4);
      expect(queryPath(shape, "tail", 7)).toContain("match=tail&predicate=");
    });
  }

  test("realistic: 3 to 6 segments, mixed JSON values, 5,000 agents", () => {
    const shape = SHAPES.realistic;
    const depths = new Set<number>();
    const kinds = new Set<string>();
    for (let k = 0; k < 2000; k++) {
      depths.add(shape.key(k).concept.split("/").length);
      const v = shape.value(k, 0);
      kinds.add(v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
    }
    expect([...depths].sort()).toEqual([3, 4, 5, 6]);
    expect([...kinds].sort()).toEqual(["array", "boolean", "null", "number", "object", "string"]);
    expect(shape.agents).toBe(5000);
    expect(shape.value(5, 1)).not.toEqual(shape.value(5, 0)); // claim 1 dissents
  });
});

describe("verdicts", () => {
  const base = { key: "k", name: "n", unit: "/s", baselines: [] };
  test("a ratio target is met on value ÷ floor; a value target on the value", () => {
    const [low, high, noFloor, p99] = withVerdicts([
      {
        ...base,
        value: 70,
        floor: { name: "f", value: 100 },
        target: { op: ">=", value: 0.8, of: "ratio" },
      },
      {
        ...base,
        value: 90,
        floor: { name: "f", value: 100 },
        target: { op: ">=", value: 0.8, of: "ratio" },
      },
      { ...base, value: 90, target: { op: ">=", value: 0.8, of: "ratio" } },
      { ...base, value: 4.2, target: { op: "<=", value: 5 } },
    ]);
    expect([low?.met, high?.met, noFloor?.met, p99?.met]).toEqual([false, true, null, true]);
    expect(high?.floorRatio).toBe(0.9);
    const table = formatTable([low, high].filter((f) => f !== undefined));
    expect(table).toContain("≥ 0.8× floor");
    expect(table).toContain("0.70×");
    expect(table).toContain("| NO ");
  });
});
