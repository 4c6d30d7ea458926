/**
 * The tool calls still running, so a session that ends (the host closed stdin)
 * first answers what it was asked: a host may pipe requests and close stdin
 * at once, and every request it sent gets its response.
 */
export class InFlight {
  readonly #running = new Set<Promise<unknown>>();

  /** Runs `work`, counting it until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    const forget = () => this.#running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Resolves once nothing is running, then lets the answers already produced be written. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
