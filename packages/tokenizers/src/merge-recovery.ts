/**
 * Recovering the merges of a rank-ordered vocabulary (tiktoken's `.tiktoken` files and the compact format
 * store tokens, not merges).
 *
 * With every merge ranked below token T known, BPE-encoding T's bytes stops at exactly two tokens, the pair
 * that T merges; so walking the tokens in rank order rebuilds the merge table one token at a time. This
 * runs on `import` of a bundled encoding, once per token (200k for o200k_base), mostly before V8 has
 * optimised anything, so the pair-table probes are written out without calls (in the interpreter a call
 * costs more than the work it does here), and the BPE of one token is one small function, {@link bpeOf},
 * which V8 optimises early. The probes repeat `PairTable.home`'s hash: the two must stay the same.
 */
import { PAIR_MAX_LOAD, PAIR_STRIDE, type PairTable } from './pair-table';

const NO_MERGE = 0x7fffffff;

/** Why a token could not be recovered: its index and how many parts BPE left. */
export interface RecoveryFailure {
  index: number;
  parts: number;
}

/**
 * Recovers the merge of every token longer than one byte. Token `k` is `bytes[starts[k] .. ends[k])` with
 * rank `ranks[k]` (or `k` when `ranks` is null); tokens must come in rank order. Writes `[left, right, rank]`
 * triples into `merges` and the pairs into `table` (sized for them in advance). Returns the first token that
 * is not the merge of two lower-ranked tokens, or null.
 */
/** Scratch of {@link bpeOf}: the token's parts and the rank of merging each with the next. */
let ids = new Int32Array(256);
let pairRanks = new Int32Array(256);

/**
 * BPE of one token's bytes `bytes[start .. start + n)` with the merges in the pair table's `slots`: returns
 * how many parts are left, which are `ids[0 .. parts)`. A small function of its own, called once per token,
 * because V8 optimises a small hot function after a few hundred calls, and compiles it quickly, while one
 * long loop waits for on-stack replacement of the whole function (slow to compile on a busy machine, and
 * the interpreter runs the loop meanwhile). After a merge at `at`, only the pairs at `at - 1` and `at` are
 * looked up again.
 */
function bpeOf(
  bytes: Uint8Array,
  start: number,
  n: number,
  byteIds: Int32Array,
  slots: Int32Array,
  capacity: number,
): number {
  if (ids.length < n) {
    ids = new Int32Array(2 * n);
    pairRanks = new Int32Array(2 * n);
  }
  for (let i = 0; i < n; i++) ids[i] = byteIds[bytes[start + i]!]!;
  let from = 0;
  let to = n - 1;
  let len = n;
  for (;;) {
    for (let i = from; i < to; i++) {
      const a = ids[i]!;
      const b = ids[i + 1]!;
      // PairTable.home and PairTable.get, written out (no calls in the hot loop).
      const hash = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
      let slot = Math.floor((hash * capacity) / 4294967296);
      let found = NO_MERGE;
      for (;;) {
        const at = slot * PAIR_STRIDE;
        const l = slots[at]!;
        if (l === -1) break;
        if (l === a && slots[at + 1] === b) {
          found = slots[at + 2]!;
          break;
        }
        if (++slot === capacity) slot = 0;
      }
      pairRanks[i] = found;
    }
    if (len < 2) break;
    // Merge the lowest-ranked pair (leftmost among equals) until none is left.
    let best = NO_MERGE;
    let at = -1;
    for (let i = 0; i < len - 1; i++) {
      if (pairRanks[i]! < best) {
        best = pairRanks[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    ids[at] = best;
    for (let i = at + 1; i < len - 1; i++) ids[i] = ids[i + 1]!;
    for (let i = at + 1; i < len - 2; i++) pairRanks[i] = pairRanks[i + 1]!;
    len--;
    from = at > 0 ? at - 1 : 0;
    to = at < len - 1 ? at + 1 : at;
  }
  return len;
}

export function recoverMerges(
  bytes: Uint8Array,
  starts: Int32Array,
  ends: Int32Array,
  ranks: Int32Array | null,
  byteIds: Int32Array,
  table: PairTable,
  merges: Int32Array,
): RecoveryFailure | null {
  let m = 0;
  const count = starts.length;
  if (table.size + merges.length / 3 > table.capacity * PAIR_MAX_LOAD) {
    throw new RangeError('recoverMerges: the pair table is too small for the merges');
  }
  const slots = table.slots;
  const capacity = table.capacity;
  let stored = 0;
  for (let k = 0; k < count; k++) {
    const start = starts[k]!;
    const n = ends[k]! - start;
    if (n < 2) continue;
    const rank = ranks === null ? k : ranks[k]!;
    const len = bpeOf(bytes, start, n, byteIds, slots, capacity);
    if (len !== 2) return { index: k, parts: len };
    const left = ids[0]!;
    const right = ids[1]!;
    merges[m++] = left;
    merges[m++] = right;
    merges[m++] = rank;
    // PairTable.set, written out; the table was sized for every merge, so it never grows here.
    const hash = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
    let slot = Math.floor((hash * capacity) / 4294967296);
    for (;;) {
      const at = slot * PAIR_STRIDE;
      const l = slots[at]!;
      if (l === -1) {
        slots[at] = left;
        slots[at + 1] = right;
        slots[at + 2] = rank;
        stored++;
        break;
      }
      if (l === left && slots[at + 1] === right) {
        slots[at + 2] = rank;
        break;
      }
      if (++slot === capacity) slot = 0;
    }
  }
  table.size += stored;
  return null;
}
