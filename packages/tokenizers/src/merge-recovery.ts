/**
 * Recovering the merges of a rank-ordered vocabulary (tiktoken's `.tiktoken` files and the compact format
 * store tokens, not merges).
 *
 * With every merge ranked below token T known, BPE-encoding T's bytes stops at exactly two tokens, the pair
 * that T merges; so walking the tokens in rank order rebuilds the merge table one token at a time. This
 * runs on `import` of a bundled encoding, once per token (200k for o200k_base), mostly before V8 has
 * optimised anything, so the BPE and the pair-table probes are written out in one loop without calls: in
 * the interpreter a call costs more than the work it does here.
 */
import { PAIR_STRIDE, PairTable } from './pair-table';

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
export function recoverMerges(
  bytes: Uint8Array,
  starts: Int32Array,
  ends: Int32Array,
  ranks: Int32Array | null,
  byteIds: Int32Array,
  table: PairTable,
  merges: Int32Array,
): RecoveryFailure | null {
  let ids = new Int32Array(256);
  let pairRanks = new Int32Array(256);
  let m = 0;
  const count = starts.length;
  for (let k = 0; k < count; k++) {
    const start = starts[k]!;
    const n = ends[k]! - start;
    if (n < 2) continue;
    const rank = ranks === null ? k : ranks[k]!;
    if (ids.length < n) {
      ids = new Int32Array(2 * n);
      pairRanks = new Int32Array(2 * n);
    }
    const slots = table.slots;
    const capacity = table.capacity;
    for (let i = 0; i < n; i++) ids[i] = byteIds[bytes[start + i]!]!;
    for (let i = 0; i < n - 1; i++) {
      const a = ids[i]!;
      const b = ids[i + 1]!;
      let slot = PairTable.home(a, b, capacity);
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
    // BPE: merge the lowest-ranked pair (leftmost among equals) until none is left.
    let len = n;
    while (len > 1) {
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
      if (at > 0) pairRanks[at - 1] = lookup(table, ids[at - 1]!, best);
      if (at < len - 1) pairRanks[at] = lookup(table, best, ids[at + 1]!);
    }
    if (len !== 2) return { index: k, parts: len };
    merges[m++] = ids[0]!;
    merges[m++] = ids[1]!;
    merges[m++] = rank;
    table.set(ids[0]!, ids[1]!, rank);
  }
  return null;
}

function lookup(table: PairTable, left: number, right: number): number {
  const value = table.get(left, right);
  return value < 0 ? NO_MERGE : value;
}
