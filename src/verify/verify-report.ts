/**
 * The shape of `stemedb verify`'s answer and the collector the checks write
 * into. A check either passes once with a summary, or fails with one entry per
 * problem found (each saying where: a segment and byte offset, a seq and id,
 * or a Merkle node), capped per check so a badly damaged dir still gives a
 * readable report; the cap's overflow is counted in one last entry.
 */

export type VerifyWhere =
  | { segment: string; offset: number }
  | { seq: number; id: string }
  | { level: number; index: number }
  /** An object of a backup target (stemedb verify --backup). */
  | { object: string };

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
  where?: VerifyWhere;
}

export interface VerifyCounts {
  segments: number;
  log_records: number;
  log_assertions: number;
  assertions: number;
  tree_size: number;
  merkle_nodes: number;
}

export function emptyCounts(): VerifyCounts {
  return {
    segments: 0,
    log_records: 0,
    log_assertions: 0,
    assertions: 0,
    tree_size: 0,
    merkle_nodes: 0,
  };
}

export interface VerifyReport {
  dir: string;
  ok: boolean;
  checks: VerifyCheck[];
  counts: VerifyCounts;
}

/** Failures listed per check before the rest are only counted. */
export const MAX_LISTED_FAILURES = 20;

export class CheckCollector {
  readonly checks: VerifyCheck[] = [];
  readonly #failures = new Map<string, number>();

  fail(name: string, detail: string, where?: VerifyWhere): void {
    const n = (this.#failures.get(name) ?? 0) + 1;
    this.#failures.set(name, n);
    if (n <= MAX_LISTED_FAILURES) {
      this.checks.push(
        where === undefined ? { name, ok: false, detail } : { name, ok: false, detail, where },
      );
    }
  }

  /** A passing entry that does not close the check (notes such as a repairable torn tail). */
  note(name: string, detail: string, where?: VerifyWhere): void {
    this.checks.push(
      where === undefined ? { name, ok: true, detail } : { name, ok: true, detail, where },
    );
  }

  failures(name: string): number {
    return this.#failures.get(name) ?? 0;
  }

  /** Ends check `name`: a pass with `passDetail`, or a count of the failures not listed. */
  finish(name: string, passDetail: string): void {
    const n = this.failures(name);
    if (n === 0) this.checks.push({ name, ok: true, detail: passDetail });
    else if (n > MAX_LISTED_FAILURES) {
      this.checks.push({
        name,
        ok: false,
        detail: `… and ${n - MAX_LISTED_FAILURES} more problem(s) of this kind (${n} in all)`,
      });
    }
  }

  get ok(): boolean {
    return this.checks.every((c) => c.ok);
  }
}
