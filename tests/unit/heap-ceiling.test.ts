import { edenGC } from "bun:jsc";
import { expect, test } from "bun:test";
import { HeapCeiling } from "../../src/heap-ceiling.ts";

test("a heap past the ceiling is collected; one under it is left alone", () => {
  const high = new HeapCeiling(64 * 1024 ** 3, 60_000); // far above any test heap
  const low = new HeapCeiling(1, 60_000); // below any heap; checked only when this test calls
  try {
    expect(high.check()).toBe(false);
    expect(high.collections).toBe(0);
    edenGC(); // heapSize() is what the last collection kept: above 1 byte
    expect(low.check()).toBe(true);
    expect(low.collections).toBe(1);
  } finally {
    high.stop();
    low.stop();
  }
});

test("after a collection the next waits for 1.5x what survived, so a live heap above the ceiling is not collected in a loop", () => {
  edenGC(); // a heap of some size (what the last collection kept) above the 1-byte ceiling
  const ceiling = new HeapCeiling(1, 60_000);
  try {
    expect(ceiling.check()).toBe(true); // collects; the limit becomes 1.5x the survivors
    expect(ceiling.check()).toBe(false); // nothing new allocated: no second collection
    expect(ceiling.collections).toBe(1);
  } finally {
    ceiling.stop();
  }
});
