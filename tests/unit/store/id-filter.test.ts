import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { IdFilter } from "../../../src/store/id-filter.ts";

test("no false negatives, few false positives, and it reports when full", () => {
  const filter = new IdFilter(100_000);
  const added = Array.from({ length: 100_000 }, () => new Uint8Array(randomBytes(32)));
  for (const id of added) filter.add(id);
  expect(added.every((id) => filter.mightContain(id))).toBe(true);
  let falsePositives = 0;
  for (let i = 0; i < 100_000; i++)
    if (filter.mightContain(new Uint8Array(randomBytes(32)))) falsePositives++;
  expect(falsePositives).toBeLessThan(500); // designed for ~0.06%; 0.5% would mean it is broken
  expect(filter.full).toBe(true);
  expect(new IdFilter(10).full).toBe(false);
});

test("ids that are subarrays of a larger buffer are read at their own offset", () => {
  const filter = new IdFilter(1000);
  const buffer = new Uint8Array(randomBytes(96));
  filter.add(buffer.subarray(32, 64));
  expect(filter.mightContain(buffer.slice(32, 64))).toBe(true);
});
