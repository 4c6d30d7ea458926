/** Time as every component sees it: injected, so tests can move it (STYLE.md §5). */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
