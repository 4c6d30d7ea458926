/**
 * What planned but not yet applied commit groups will record: the overlay the
 * commit loop plans the next group against (see commit-loop.ts). SQLite holds
 * every applied group; this holds, per group still in flight, oldest first,
 * the assertions it records (by id: seq, status, the assertion itself — for
 * duplicate detection and retraction checks, SPEC §2.1) and the status
 * changes it makes (quarantine review, SPEC §6). The next seq is the tree
 * size plus the leaves of the groups in flight (SPEC §2.3).
 *
 * Groups open in planning order (`beginGroup`) and close in the same order
 * (`endGroup`), once applied or refused: after that their records are in the
 * state or never will be.
 */
import type { Assertion } from "../protocol/assertion.ts";
import type { StatusName } from "./log-records.ts";

/** An assertion a group in flight records. */
export interface PendingAssertion {
  seq: number;
  status: StatusName;
  assertion: Assertion;
}

interface GroupFrame {
  assertions: Map<string, PendingAssertion>;
  /** Status changes of assertions (stored or pending), by id hex. */
  statuses: Map<string, StatusName>;
  leaves: number;
}

export class PendingRecords {
  readonly #groups: GroupFrame[] = [];

  /** Groups in flight (opened and not yet closed). */
  get groups(): number {
    return this.#groups.length;
  }

  /** Leaves the groups in flight add to the tree. */
  get leaves(): number {
    let n = 0;
    for (const g of this.#groups) n += g.leaves;
    return n;
  }

  /** Opens a group: what follows is recorded into it. */
  beginGroup(): void {
    this.#groups.push({ assertions: new Map(), statuses: new Map(), leaves: 0 });
  }

  /** Closes the oldest group (applied, or refused). */
  endGroup(): void {
    this.#groups.shift();
  }

  /** The assertion with this id, if a group in flight records it (its status as last changed). */
  assertion(idHex: string): PendingAssertion | undefined {
    for (let i = this.#groups.length - 1; i >= 0; i--) {
      const found = (this.#groups[i] as GroupFrame).assertions.get(idHex);
      if (found !== undefined) {
        const status = this.status(idHex);
        return status === undefined || status === found.status ? found : { ...found, status };
      }
    }
    return undefined;
  }

  /** The status a group in flight sets for this id, newest first. */
  status(idHex: string): StatusName | undefined {
    for (let i = this.#groups.length - 1; i >= 0; i--) {
      const found = (this.#groups[i] as GroupFrame).statuses.get(idHex);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Records an assertion into the newest group. */
  addAssertion(idHex: string, entry: PendingAssertion): void {
    const g = this.#newest();
    g.assertions.set(idHex, entry);
    g.leaves++;
  }

  /** Records a status change into the newest group. */
  setStatus(idHex: string, status: StatusName): void {
    this.#newest().statuses.set(idHex, status);
  }

  #newest(): GroupFrame {
    const g = this.#groups[this.#groups.length - 1];
    if (g === undefined) throw new Error("PendingRecords: no group is open (call beginGroup)");
    return g;
  }
}
