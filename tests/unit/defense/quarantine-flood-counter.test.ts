/**
 * The flood rule's pre-filter (src/defense/recent-counter.ts) may over-count
 * but must never under-count the last 60 s: checked against an exact count
 * over random traffic, across slice boundaries and with a clock that steps back.
 */
import { describe, expect, test } from "bun:test";
import { hashKey, RecentCounter } from "../../../src/defense/recent-counter.ts";

describe("RecentCounter", () => {
  test("never below the exact count of the last 60 s; forgets after 70 s", () => {
    const counter = new RecentCounter();
    const events: [number, number][] = [];
    let now = 1_767_225_600_000;
    let rnd = 7;
    const random = (n: number) => {
      rnd = (rnd * 1103515245 + 12345) & 0x7fffffff;
      return rnd % n;
    };
    const keys = Array.from({ length: 300 }, (_, i) => hashKey(`agent-${i % 17}\nkey-${i}\np`));
    for (let i = 0; i < 20_000; i++) {
      now += random(40);
      const key = keys[random(keys.length)] as number;
      const exact = events.filter(([k, at]) => k === key && at > now - 60_000).length;
      expect(counter.count(key, now)).toBeGreaterThanOrEqual(exact);
      counter.add(key, now);
      events.push([key, now]);
      if (events.length > 5_000) events.splice(0, 1_000);
    }
    const k = keys[0] as number;
    expect(counter.count(k, now + 70_001)).toBe(0);
  });

  test("a clock stepping back keeps what was counted", () => {
    const counter = new RecentCounter();
    const key = hashKey("a\nb\nc");
    const t = 1_767_225_600_000;
    for (let i = 0; i < 5; i++) counter.add(key, t);
    counter.add(key, t - 120_000);
    expect(counter.count(key, t - 120_000)).toBeGreaterThanOrEqual(6);
    expect(counter.count(key, t)).toBeGreaterThanOrEqual(5);
  });

  test("distinct keys rarely share a slot", () => {
    const counter = new RecentCounter();
    const t = 1_767_225_600_000;
    for (let i = 0; i < 30_000; i++) counter.add(hashKey(`agent-${i}\nsvc-${i}\nstatus`), t);
    let max = 0;
    for (let i = 0; i < 30_000; i++)
      max = Math.max(max, counter.count(hashKey(`agent-${i}\nsvc-${i}\nstatus`), t));
    expect(max).toBeLessThan(12);
  });
});
