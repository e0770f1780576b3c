/**
 * An open-addressing hash map from a pair of token ids `(left, right)` to an int32 value, stored in typed
 * arrays so that lookups allocate nothing. Used by the encoder (pair -> merged token id) and the trainer
 * (pair -> pair slot).
 *
 * Each slot keeps `left, right, value` side by side in one Int32Array (16 bytes with padding), so a lookup
 * touches one cache line: with 100k–200k merges the table is larger than the caches, and three separate
 * arrays would cost three memory misses per probe.
 */
const STRIDE = 4;

export class PairTable {
  private slots: Int32Array;
  private mask: number;
  /** Number of pairs stored. */
  size = 0;

  constructor(expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = PairTable.emptySlots(cap);
    this.mask = cap - 1;
  }

  private static emptySlots(cap: number): Int32Array {
    // Only `left` marks an empty slot, but one native fill is much faster than a strided loop.
    return new Int32Array(cap * STRIDE).fill(-1);
  }

  private static hash(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  }

  /** The value stored for `(left, right)`, or -1 when absent. Ids must be non-negative. */
  get(left: number, right: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let slot = PairTable.hash(left, right) & mask;
    for (;;) {
      const at = slot * STRIDE;
      const l = slots[at]!;
      if (l === -1) return -1;
      if (l === left && slots[at + 1] === right) return slots[at + 2]!;
      slot = (slot + 1) & mask;
    }
  }

  /** Stores `value` (≥ 0) for `(left, right)`, replacing any previous value. */
  set(left: number, right: number, value: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const slots = this.slots;
    const mask = this.mask;
    let slot = PairTable.hash(left, right) & mask;
    for (;;) {
      const at = slot * STRIDE;
      const l = slots[at]!;
      if (l === -1) {
        slots[at] = left;
        slots[at + 1] = right;
        slots[at + 2] = value;
        this.size++;
        return;
      }
      if (l === left && slots[at + 1] === right) {
        slots[at + 2] = value;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = PairTable.emptySlots(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at] !== -1) this.set(old[at]!, old[at + 1]!, old[at + 2]!);
    }
  }
}
