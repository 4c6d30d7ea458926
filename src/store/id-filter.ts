/**
 * A Bloom filter over the ids of stored assertions, in front of the duplicate
 * look-up that planning does for every submitted assertion: a "no" skips a
 * random B-tree probe of the id index (5–9% of ingest CPU at 1M rows, and a
 * page-cache miss more often than not). Ids are BLAKE3 outputs, uniformly
 * random, so the k bit positions are read straight from the id's bytes.
 * 16 bits per entry and k = 8 give ~0.06% false positives; a false positive
 * only costs the SQL probe it would have done anyway. The filter doubles
 * (rebuilt from the table) when it fills up.
 */

const BITS_PER_ENTRY = 16;
const K = 8;

export class IdFilter {
  #bits: Uint32Array;
  #mask: number;
  #capacity: number;
  #count = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(1 << 16, capacity);
    // Power-of-two bit count, so positions are masked rather than divided.
    const bits = 2 ** Math.ceil(Math.log2(this.#capacity * BITS_PER_ENTRY));
    this.#bits = new Uint32Array(bits / 32);
    this.#mask = bits - 1;
  }

  /** True when the filter has reached the size it was built for; rebuild it twice as large. */
  get full(): boolean {
    return this.#count >= this.#capacity;
  }

  get capacity(): number {
    return this.#capacity;
  }

  add(id: Uint8Array): void {
    const view = new DataView(id.buffer, id.byteOffset, id.byteLength);
    for (let i = 0; i < K; i++) {
      const bit = view.getUint32(i * 4) & this.#mask;
      this.#bits[bit >>> 5] = (this.#bits[bit >>> 5] as number) | (1 << (bit & 31));
    }
    this.#count++;
  }

  /** False only when `id` was certainly never added. */
  mightContain(id: Uint8Array): boolean {
    const view = new DataView(id.buffer, id.byteOffset, id.byteLength);
    for (let i = 0; i < K; i++) {
      const bit = view.getUint32(i * 4) & this.#mask;
      if (((this.#bits[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
