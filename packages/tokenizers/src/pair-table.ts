/**
 * An open-addressing hash map from a pair of token ids `(left, right)` to an int32 value, stored in typed
 * arrays so that lookups allocate nothing. Used by the encoder (pair -> merged token id) and the trainer
 * (pair -> pair slot).
 *
 * Each slot keeps `left, right, value` side by side in one Int32Array, so a probe reads one place in memory
 * (with 100k–200k merges the table is larger than the caches). The capacity need not be a power of two:
 * a slot is picked by scaling the hash to the capacity, so the table is sized to its contents (load factor
 * up to 0.7) and loading a bundled encoding touches as little fresh memory as it can.
 */
/** Int32s per slot: left (-1 when empty), right, value. */
export const PAIR_STRIDE = 3;
const STRIDE = PAIR_STRIDE;
/** The most pairs per slot before the table grows. */
export const PAIR_MAX_LOAD = 0.7;
const MAX_LOAD = PAIR_MAX_LOAD;

export class PairTable {
  /** The slots, `PAIR_STRIDE` int32s each; read directly only by hot loops (see merge-recovery.ts). */
  slots: Int32Array;
  /** Number of slots. */
  capacity: number;
  /** Number of pairs stored. */
  size = 0;

  constructor(expected = 1024) {
    this.capacity = Math.max(16, Math.ceil(expected / MAX_LOAD) + 1);
    this.slots = PairTable.emptySlots(this.capacity);
  }

  /** Slots whose `left` is -1 are empty; one native fill is much faster than a strided loop. */
  private static emptySlots(capacity: number): Int32Array {
    return new Int32Array(capacity * STRIDE).fill(-1);
  }

  /** The home slot of a pair: a 32-bit hash scaled to `[0, capacity)` (merge-recovery.ts repeats it inline). */
  static home(left: number, right: number, capacity: number): number {
    const hash = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
    return Math.floor((hash * capacity) / 4294967296);
  }

  /** The value stored for `(left, right)`, or -1 when absent. Ids must be non-negative. */
  get(left: number, right: number): number {
    const slots = this.slots;
    const capacity = this.capacity;
    let slot = PairTable.home(left, right, capacity);
    for (;;) {
      const at = slot * STRIDE;
      const l = slots[at]!;
      if (l === -1) return -1;
      if (l === left && slots[at + 1] === right) return slots[at + 2]!;
      if (++slot === capacity) slot = 0;
    }
  }

  /** Stores `value` (≥ 0) for `(left, right)`, replacing any previous value. */
  set(left: number, right: number, value: number): void {
    if (this.size + 1 > this.capacity * MAX_LOAD) this.grow();
    const slots = this.slots;
    const capacity = this.capacity;
    let slot = PairTable.home(left, right, capacity);
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
      if (++slot === capacity) slot = 0;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    this.slots = PairTable.emptySlots(this.capacity);
    this.size = 0;
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at] !== -1) this.set(old[at]!, old[at + 1]!, old[at + 2]!);
    }
  }
}
