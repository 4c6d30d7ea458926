/** The replacement delays of a dying HTTP thread (src/http/respawn-backoff.ts), as pure arithmetic. */
import { describe, expect, test } from "bun:test";
import { RESPAWN_BACKOFF, RespawnBackoff } from "../../../src/http/respawn-backoff.ts";

describe("RespawnBackoff", () => {
  test("100 ms, doubling on each quick death, capped at 5 s", () => {
    const b = new RespawnBackoff();
    const delays = Array.from({ length: 9 }, () => b.next(10));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  test("a replacement that never listened counts as a quick death", () => {
    const b = new RespawnBackoff();
    expect([b.next(undefined), b.next(undefined), b.next(undefined)]).toEqual([100, 200, 400]);
  });

  test("a thread that stayed up resetAfterMs starts the delays over", () => {
    const b = new RespawnBackoff();
    for (let i = 0; i < 10; i++) b.next(1);
    expect(b.next(RESPAWN_BACKOFF.resetAfterMs - 1)).toBe(5000);
    expect(b.next(RESPAWN_BACKOFF.resetAfterMs)).toBe(100);
    expect(b.next(5)).toBe(200);
  });

  test("a policy without a positive first delay is refused by name", () => {
    expect(() => new RespawnBackoff({ firstMs: 0, maxMs: 10, resetAfterMs: 1 })).toThrow(
      RangeError,
    );
    expect(() => new RespawnBackoff({ firstMs: 10, maxMs: 5, resetAfterMs: 1 })).toThrow("maxMs");
  });
});
