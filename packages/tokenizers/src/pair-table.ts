/**
 * An open-addressing hash map from a pair of token ids `(left, right)` to an int32 value, stored in typed
 * arrays so that lookups allocate nothing. Used by the encoder (pair -> merged token id) and the trainer
 * (pair -> pair slot).
 */
export class PairTable {
  private lefts: Int32Array;
  private rights: Int32Array;
  private values: Int32Array;
  private mask: number;
  /** Number of pairs stored. */
  size = 0;

  constructor(expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.lefts = new Int32Array(cap).fill(-1);
    this.rights = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private static hash(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  }

  /** The value stored for `(left, right)`, or -1 when absent. Ids must be non-negative. */
  get(left: number, right: number): number {
    const lefts = this.lefts;
    const mask = this.mask;
    let slot = PairTable.hash(left, right) & mask;
    for (;;) {
      const l = lefts[slot]!;
      if (l === -1) return -1;
      if (l === left && this.rights[slot] === right) return this.values[slot]!;
      slot = (slot + 1) & mask;
    }
  }

  /** Stores `value` (≥ 0) for `(left, right)`, replacing any previous value. */
  set(left: number, right: number, value: number): void {
    if ((this.size + 1) * 2 > this.lefts.length) this.grow();
    const mask = this.mask;
    let slot = PairTable.hash(left, right) & mask;
    for (;;) {
      const l = this.lefts[slot]!;
      if (l === -1) {
        this.lefts[slot] = left;
        this.rights[slot] = right;
        this.values[slot] = value;
        this.size++;
        return;
      }
      if (l === left && this.rights[slot] === right) {
        this.values[slot] = value;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const { lefts, rights, values } = this;
    const cap = lefts.length * 2;
    this.lefts = new Int32Array(cap).fill(-1);
    this.rights = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < lefts.length; i++) {
      if (lefts[i] !== -1) this.set(lefts[i]!, rights[i]!, values[i]!);
    }
  }
}
