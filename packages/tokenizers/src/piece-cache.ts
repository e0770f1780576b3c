/**
 * The encoder's cache of pieces already encoded. It is keyed by a range of the input text, so looking a
 * piece up needs neither a substring nor V8's string hashing: an FNV-1a hash over the UTF-16 code units, then
 * a code-unit comparison with the stored key. Open addressing with linear probing; cleared when full.
 */

const EMPTY = -1;

export class PieceCache {
  private keys: Array<string | undefined>;
  private hashes: Int32Array;
  /** The piece's token id when it is a single token, else -1 and `multi` holds the ids. */
  private single: Int32Array;
  private multi: Array<Int32Array | undefined>;
  private mask: number;
  private size = 0;

  /** @param limit most pieces kept before the cache is cleared */
  constructor(private readonly limit: number) {
    const cap = 1 << 12;
    this.keys = new Array(cap);
    this.hashes = new Int32Array(cap);
    this.single = new Int32Array(cap);
    this.multi = new Array(cap);
    this.mask = cap - 1;
  }

  /** FNV-1a over `text[start..end)`. */
  static hash(text: string, start: number, end: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return h;
  }

  /** The slot holding `text[start..end)`, or `-1 - slot` of the empty slot where it would go. */
  find(text: string, start: number, end: number, hash: number): number {
    const keys = this.keys;
    const mask = this.mask;
    const len = end - start;
    let slot = hash & mask;
    for (;;) {
      const key = keys[slot];
      if (key === undefined) return -1 - slot;
      if (this.hashes[slot] === hash && key.length === len) {
        let i = 0;
        while (i < len && key.charCodeAt(i) === text.charCodeAt(start + i)) i++;
        if (i === len) return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The single token id at `slot`, or -1 when the piece has several tokens (see {@link tokens}). */
  token(slot: number): number {
    return this.single[slot]!;
  }

  /** The token ids at `slot` when the piece has several. */
  tokens(slot: number): Int32Array {
    return this.multi[slot]!;
  }

  /** Stores `ids[0..n)` for `text[start..end)` at the empty slot `-1 - found` returned by {@link find}. */
  insert(
    found: number,
    hash: number,
    text: string,
    start: number,
    end: number,
    ids: Int32Array,
    n: number,
  ): void {
    if (this.size >= this.limit) {
      this.clear();
      found = this.find(text, start, end, hash);
    } else if ((this.size + 1) * 2 > this.keys.length) {
      this.grow();
      found = this.find(text, start, end, hash);
    }
    const slot = -1 - found;
    // slice() of a slice would pin the whole input text in memory; building the key from parts copies it.
    const key = end - start > 12 ? `${text.slice(start, end)} `.slice(0, -1) : text.slice(start, end);
    this.keys[slot] = key;
    this.hashes[slot] = hash;
    if (n === 1) {
      this.single[slot] = ids[0]!;
      this.multi[slot] = undefined;
    } else {
      this.single[slot] = EMPTY;
      this.multi[slot] = ids.slice(0, n);
    }
    this.size++;
  }

  private clear(): void {
    this.keys.fill(undefined);
    this.multi.fill(undefined);
    this.size = 0;
  }

  private grow(): void {
    const { keys, hashes, single, multi } = this;
    const cap = keys.length * 2;
    this.keys = new Array(cap);
    this.hashes = new Int32Array(cap);
    this.single = new Int32Array(cap);
    this.multi = new Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === undefined) continue;
      let slot = hashes[i]! & this.mask;
      while (this.keys[slot] !== undefined) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.hashes[slot] = hashes[i]!;
      this.single[slot] = single[i]!;
      this.multi[slot] = multi[i];
    }
  }
}
