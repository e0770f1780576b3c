/**
 * Applying learned merges to one pre-split piece: the inner loop of byte-level BPE encoding
 * (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword Units"; byte-level as in
 * GPT-2, Radford et al. 2019).
 *
 * A merge `(left, right) -> id` has priority `id`: the lowest id merges first, and among equal ids the
 * leftmost pair, which is tiktoken's rule (ids are tiktoken's ranks). Short pieces use an O(n²) scan over a
 * pair-rank array; long ones (runs of spaces, digits, or a whole text without pre-split) use a linked list
 * with a binary heap, O(n log n). Both write into caller-owned typed arrays and allocate nothing.
 */
import type { PairTable } from './pair-table';

/** Rank of "no merge". */
export const NO_MERGE = 0x7fffffff;

/** Pieces of at most this many bytes use the quadratic scan. */
export const SMALL_PIECE = 96;

/** Reusable scratch buffers for {@link mergePiece}. */
export class MergeScratch {
  ids = new Int32Array(256);
  ranks = new Int32Array(256);
  prev = new Int32Array(0);
  next = new Int32Array(0);
  heapRank = new Int32Array(0);
  heapPos = new Int32Array(0);

  /** Makes room for a piece of `n` tokens. */
  ensure(n: number): void {
    if (this.ids.length < n) {
      let cap = this.ids.length;
      while (cap < n) cap *= 2;
      const ids = new Int32Array(cap);
      ids.set(this.ids);
      this.ids = ids;
      this.ranks = new Int32Array(cap);
    }
  }
}

/**
 * Merges the `n` token ids in `scratch.ids[0..n)` in place and returns the new length.
 */
export function mergePiece(table: PairTable, scratch: MergeScratch, n: number): number {
  if (n < 2) return n;
  return n <= SMALL_PIECE ? mergeSmall(table, scratch.ids, scratch.ranks, n) : mergeLarge(table, scratch, n);
}

function rankOf(table: PairTable, left: number, right: number): number {
  const id = table.get(left, right);
  return id < 0 ? NO_MERGE : id;
}

function mergeSmall(table: PairTable, ids: Int32Array, ranks: Int32Array, n: number): number {
  for (let i = 0; i < n - 1; i++) ranks[i] = rankOf(table, ids[i]!, ids[i + 1]!);
  while (n > 1) {
    let best = NO_MERGE;
    let at = -1;
    for (let i = 0; i < n - 1; i++) {
      const r = ranks[i]!;
      if (r < best) {
        best = r;
        at = i;
      }
    }
    if (at < 0) break;
    ids[at] = best;
    // Drop token at+1 and the pair that started there.
    for (let k = at + 1; k < n - 1; k++) ids[k] = ids[k + 1]!;
    for (let k = at + 1; k < n - 2; k++) ranks[k] = ranks[k + 1]!;
    n--;
    if (at > 0) ranks[at - 1] = rankOf(table, ids[at - 1]!, best);
    if (at < n - 1) ranks[at] = rankOf(table, best, ids[at + 1]!);
  }
  return n;
}

function mergeLarge(table: PairTable, s: MergeScratch, n: number): number {
  const ids = s.ids;
  const ranks = s.ranks;
  if (s.prev.length < n) {
    s.prev = new Int32Array(ids.length);
    s.next = new Int32Array(ids.length);
    s.heapRank = new Int32Array(ids.length * 3);
    s.heapPos = new Int32Array(ids.length * 3);
  }
  const { prev, next, heapRank, heapPos } = s;
  let size = 0;
  const push = (rank: number, pos: number): void => {
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pr = heapRank[parent]!;
      if (pr < rank || (pr === rank && heapPos[parent]! < pos)) break;
      heapRank[i] = pr;
      heapPos[i] = heapPos[parent]!;
      i = parent;
    }
    heapRank[i] = rank;
    heapPos[i] = pos;
  };
  const popInto = (): void => {
    // Moves the last entry to the root and sifts it down; the caller has read the root already.
    const rank = heapRank[--size]!;
    const pos = heapPos[size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      const other = child + 1;
      if (
        other < size &&
        (heapRank[other]! < heapRank[child]! ||
          (heapRank[other] === heapRank[child] && heapPos[other]! < heapPos[child]!))
      ) {
        child = other;
      }
      const cr = heapRank[child]!;
      if (cr > rank || (cr === rank && heapPos[child]! > pos)) break;
      heapRank[i] = cr;
      heapPos[i] = heapPos[child]!;
      i = child;
    }
    heapRank[i] = rank;
    heapPos[i] = pos;
  };

  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
    const r = i + 1 < n ? rankOf(table, ids[i]!, ids[i + 1]!) : NO_MERGE;
    ranks[i] = r;
    if (r !== NO_MERGE) push(r, i);
  }
  while (size > 0) {
    const rank = heapRank[0]!;
    const pos = heapPos[0]!;
    popInto();
    if (ids[pos]! < 0 || ranks[pos] !== rank) continue; // stale entry
    const j = next[pos]!;
    ids[pos] = rank;
    ids[j] = -1;
    const after = next[j]!;
    next[pos] = after;
    if (after >= 0) prev[after] = pos;
    const r = after >= 0 ? rankOf(table, rank, ids[after]!) : NO_MERGE;
    ranks[pos] = r;
    if (r !== NO_MERGE) push(r, pos);
    const before = prev[pos]!;
    if (before >= 0) {
      const rb = rankOf(table, ids[before]!, rank);
      ranks[before] = rb;
      if (rb !== NO_MERGE) push(rb, before);
    }
  }
  let m = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    if (id >= 0) ids[m++] = id;
  }
  return m;
}
