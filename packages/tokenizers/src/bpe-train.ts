/**
 * Fast byte-level BPE training (Sennrich et al. 2016), with minbpe's result: the same merges, in the same
 * order, as retraining the pair statistics from scratch after every merge, but without doing so.
 *
 * 1. The text is split into pieces by the pattern and identical pieces are counted, so each distinct piece
 *    is stored once with its frequency (a word that occurs 10,000 times is processed once per merge).
 * 2. Pair counts are kept incrementally: merging `(L, R)` at one position only changes the pairs with its
 *    two neighbours, so each merge costs time proportional to the occurrences it rewrites.
 * 3. A pair -> occurrences index finds those positions without scanning the corpus, and a lazy max-heap
 *    keyed on (count, first position) picks the next pair in O(log n).
 *
 * Ties: like minbpe (Python `max` over a dict filled in text order), the most frequent pair wins and, among
 * equally frequent pairs, the one whose first occurrence in the current token sequence comes first. The heap
 * keys on (count desc, first position asc); a stale key is corrected when it surfaces.
 */
import { assertString, describeValue } from './errors';
import { PieceCounter } from './piece-counter';
import { PairTable } from './pair-table';
import { forEachPiece, resolvePattern, stickySplitRegex } from './patterns';
import { encodeUtf8Into, toWellFormed, utf8Length } from './utf8';

/** Progress after each merge. */
export interface TrainProgress {
  /** Merges done so far (1-based). */
  merge: number;
  /** Merges requested. */
  total: number;
  /** The pair merged and the id it became. */
  pair: [number, number];
  id: number;
  /** How often the pair occurred when it was merged. */
  count: number;
}

/** Options of {@link trainBpe} and `BpeTokenizer.train`. */
export interface TrainBpeOptions {
  /** Final vocabulary size: 256 byte tokens + merges + special tokens. At least 256 + specials. */
  vocabSize: number;
  /**
   * Split pattern: `'gpt4'` (default, as minbpe's RegexTokenizer), `'gpt2'`, `'o200k'`, a JavaScript regex
   * source, or `null` for no pre-split (minbpe's BasicTokenizer).
   */
  pattern?: string | null;
  /**
   * Special tokens, given ids after the merges. Their text is cut out of the training text and never
   * merged with its neighbours.
   */
  specialTokens?: readonly string[];
  /** Called after every merge. */
  onProgress?: (progress: TrainProgress) => void;
}

/** What training learned. */
export interface TrainBpeResult {
  /** Merge `i` joins `merges[i]` into id `256 + i`. */
  merges: Array<[number, number]>;
  /** The count of each merged pair at the time it was merged. */
  counts: number[];
  /** Special tokens and their ids. */
  specialTokens: Record<string, number>;
}

/** Counts the distinct pieces of `text` in order of first appearance. */
export function countPieces(
  text: string,
  pattern: string | null,
  specialTokens: readonly string[] = [],
): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (piece: string): void => {
    if (piece.length > 0) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  };
  const { source } = resolvePattern(pattern);
  const re = source === null ? null : stickySplitRegex(source);
  const segments =
    specialTokens.length === 0
      ? [text]
      : text.split(
          new RegExp(specialTokens.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'u'),
        );
  for (const segment of segments) {
    if (re === null) add(segment);
    else forEachPiece(re, segment, (start, end) => add(segment.slice(start, end)));
  }
  return counts;
}

/** A growable max-heap of (count, position, slot): higher count first, then lower position. */
class PairHeap {
  private count: Int32Array = new Int32Array(1024);
  private pos: Int32Array = new Int32Array(1024);
  private slot: Int32Array = new Int32Array(1024);
  size = 0;

  private above(a: number, b: number): boolean {
    const ca = this.count[a]!;
    const cb = this.count[b]!;
    return ca > cb || (ca === cb && this.pos[a]! < this.pos[b]!);
  }

  private swap(a: number, b: number): void {
    const { count, pos, slot } = this;
    const c = count[a]!;
    count[a] = count[b]!;
    count[b] = c;
    const p = pos[a]!;
    pos[a] = pos[b]!;
    pos[b] = p;
    const s = slot[a]!;
    slot[a] = slot[b]!;
    slot[b] = s;
  }

  push(count: number, pos: number, slot: number): void {
    if (this.size === this.count.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.count = grow(this.count);
      this.pos = grow(this.pos);
      this.slot = grow(this.slot);
    }
    let i = this.size++;
    this.count[i] = count;
    this.pos[i] = pos;
    this.slot[i] = slot;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the top entry, writing it to `out` as [count, pos, slot]. */
  pop(out: Int32Array): void {
    out[0] = this.count[0]!;
    out[1] = this.pos[0]!;
    out[2] = this.slot[0]!;
    const last = --this.size;
    if (last > 0) {
      this.count[0] = this.count[last]!;
      this.pos[0] = this.pos[last]!;
      this.slot[0] = this.slot[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < last && this.above(l, best)) best = l;
        if (r < last && this.above(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
  }
}

/** Chunks of text for {@link trainBpe}: any iterable of strings, e.g. lines or a file read in pieces. */
export type TextChunks = Iterable<string>;

/**
 * Learns BPE merges from `text`: a string, an iterable of text chunks, or an async iterable of chunks (then
 * it returns a promise), e.g. a file stream. With a split pattern, chunks are counted as they come
 * (see piece-counter.ts), so memory grows with the distinct pieces rather than the corpus; without one
 * (`pattern: null`) the whole text is needed. See the file comment for the algorithm and the tie rule.
 */
export function trainBpe(input: string | TextChunks, options: TrainBpeOptions): TrainBpeResult;
export function trainBpe(input: AsyncIterable<string>, options: TrainBpeOptions): Promise<TrainBpeResult>;
export function trainBpe(
  input: string | TextChunks | AsyncIterable<string>,
  options: TrainBpeOptions,
): TrainBpeResult | Promise<TrainBpeResult> {
  if (typeof input === 'string') {
    const { specialList, pattern } = checkOptions(options);
    return learnMerges(countPieces(toWellFormed(input), pattern, specialList), options);
  }
  if (input !== null && typeof input === 'object') {
    if (typeof (input as AsyncIterable<string>)[Symbol.asyncIterator] === 'function') {
      return (async () => {
        const trainer = new BpeTrainer(options);
        for await (const chunk of input as AsyncIterable<string>) trainer.add(chunk);
        return trainer.finish();
      })();
    }
    if (typeof (input as Iterable<string>)[Symbol.iterator] === 'function') {
      const trainer = new BpeTrainer(options);
      for (const chunk of input as Iterable<string>) trainer.add(chunk);
      return trainer.finish();
    }
  }
  throw new TypeError(
    `BpeTokenizer.train expects a string, an iterable or an async iterable of strings, but got ${describeValue(input)}.`,
  );
}

/**
 * Training fed chunk by chunk: `add(chunk)` as text arrives (e.g. from a stream), then `finish()`. Memory
 * grows with the number of distinct pieces, not with the text (with a split pattern).
 */
export class BpeTrainer {
  private readonly counter: PieceCounter;
  private finished = false;

  constructor(private readonly options: TrainBpeOptions) {
    const { specialList, pattern } = checkOptions(options);
    this.counter = new PieceCounter(pattern, specialList);
  }

  /** Adds the next chunk of training text. */
  add(chunk: string): void {
    assertString(chunk, 'BpeTrainer.add');
    if (this.finished) throw new Error('BpeTrainer.add after finish(); start a new BpeTrainer.');
    this.counter.add(chunk);
  }

  /** Learns the merges from everything added. */
  finish(): TrainBpeResult {
    if (this.finished) throw new Error('BpeTrainer.finish was already called; start a new BpeTrainer.');
    this.finished = true;
    return learnMerges(this.counter.finish(), this.options);
  }
}

function checkOptions(options: TrainBpeOptions): { specialList: string[]; pattern: string | null } {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `BpeTokenizer.train expects options { vocabSize }, but got ${describeValue(options)}.`,
    );
  }
  const specialList = [...(options.specialTokens ?? [])];
  const minimum = 256 + specialList.length;
  const { vocabSize } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < minimum) {
    throw new RangeError(
      `vocabSize must be an integer ≥ ${minimum} (256 byte tokens${specialList.length ? ` + ${specialList.length} special tokens` : ''}); got ${describeValue(vocabSize)}.`,
    );
  }
  if (
    new Set(specialList).size !== specialList.length ||
    specialList.some((s) => typeof s !== 'string' || s === '')
  ) {
    throw new TypeError('specialTokens must be distinct non-empty strings.');
  }
  return { specialList, pattern: options.pattern === undefined ? 'gpt4' : options.pattern };
}

/** The trainer proper, on counted pieces. */
function learnMerges(pieces: Map<string, number>, options: TrainBpeOptions): TrainBpeResult {
  const specialList = [...(options.specialTokens ?? [])];
  const numMerges = options.vocabSize - 256 - specialList.length;

  // Lay out every distinct piece's bytes end to end, in order of first appearance, as a linked list.
  let total = 0;
  let longest = 0;
  let repeated = false;
  for (const [piece, count] of pieces) {
    const len = utf8Length(piece);
    total += len;
    longest = Math.max(longest, len);
    if (count > 1) repeated = true;
  }
  const ids = new Int32Array(total);
  const next = new Int32Array(total);
  const prev = new Int32Array(total);
  // Each position's piece frequency; not stored when every piece occurs once (e.g. no split pattern).
  const weight = repeated ? new Int32Array(total) : null;
  const buf = new Uint8Array(longest);
  let n = 0;
  for (const [piece, count] of pieces) {
    const len = encodeUtf8Into(piece, buf);
    for (let i = 0; i < len; i++) {
      ids[n + i] = buf[i]!;
      prev[n + i] = i > 0 ? n + i - 1 : -1;
      next[n + i] = i + 1 < len ? n + i + 1 : -1;
      if (weight !== null) weight[n + i] = count;
    }
    n += len;
  }

  // Pair slots: (left, right) -> slot, with count, occurrences and a lower bound on the first position.
  const table = new PairTable(1 << 14);
  const lefts: number[] = [];
  const rights: number[] = [];
  const counts: number[] = [];
  const occurrences: number[][] = [];
  const firstHint: number[] = [];
  const slotOf = (l: number, r: number): number => {
    let s = table.get(l, r);
    if (s < 0) {
      s = lefts.length;
      table.set(l, r, s);
      lefts.push(l);
      rights.push(r);
      counts.push(0);
      occurrences.push([]);
      firstHint.push(0x7fffffff);
    }
    return s;
  };
  const isAt = (s: number, p: number): boolean => {
    const q = next[p]!;
    return ids[p] === lefts[s] && q >= 0 && ids[q] === rights[s];
  };
  /** The first live position of slot `s`; drops dead positions from its list on the way. */
  const firstLive = (s: number): number => {
    const list = occurrences[s]!;
    let kept = 0;
    let first = 0x7fffffff;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (isAt(s, p)) {
        list[kept++] = p;
        if (p < first) first = p;
      }
    }
    list.length = kept;
    firstHint[s] = first;
    return first;
  };

  for (let p = 0; p < n; p++) {
    const q = next[p]!;
    if (q < 0) continue;
    const s = slotOf(ids[p]!, ids[q]!);
    counts[s]! += weight === null ? 1 : weight[p]!;
    occurrences[s]!.push(p);
    if (p < firstHint[s]!) firstHint[s] = p;
  }
  const heap = new PairHeap();
  for (let s = 0; s < counts.length; s++) heap.push(counts[s]!, firstHint[s]!, s);

  const merges: Array<[number, number]> = [];
  const mergeCounts: number[] = [];
  const top = new Int32Array(3);
  let touched: number[] = [];
  let stamp: Int32Array = new Int32Array(1024);
  const touch = (s: number, k: number): void => {
    if (stamp.length <= s) {
      const grown = new Int32Array(Math.max(s + 1, stamp.length * 2));
      grown.set(stamp);
      stamp = grown;
    }
    if (stamp[s] !== k + 1) {
      stamp[s] = k + 1;
      touched.push(s);
    }
  };

  for (let k = 0; k < numMerges; k++) {
    // Pop until an entry matches its pair's current count and first position.
    let chosen = -1;
    while (heap.size > 0) {
      heap.pop(top);
      const [c, pos, s] = top as unknown as [number, number, number];
      if (c <= 0 || c !== counts[s]) continue;
      const first = firstLive(s);
      if (first !== pos) {
        heap.push(c, first, s);
        continue;
      }
      chosen = s;
      break;
    }
    if (chosen < 0) {
      throw new RangeError(
        `The training text only supports ${256 + k + specialList.length} tokens: after ${k} merges no two tokens are ` +
          `adjacent any more. Lower vocabSize to at most ${256 + k + specialList.length} or train on more text.`,
      );
    }
    const L = lefts[chosen]!;
    const R = rights[chosen]!;
    const id = 256 + k;
    merges.push([L, R]);
    mergeCounts.push(counts[chosen]!);
    const positions = occurrences[chosen]!;
    occurrences[chosen] = [];
    positions.sort((a, b) => a - b);
    touched = [];
    for (const p of positions) {
      if (!(ids[p] === L && next[p]! >= 0 && ids[next[p]!] === R)) continue; // consumed by an overlapping merge
      const q = next[p]!;
      const w = weight === null ? 1 : weight[p]!;
      const a = prev[p]!;
      const b = next[q]!;
      if (a >= 0) {
        const s = table.get(ids[a]!, L);
        if (s !== chosen) {
          counts[s]! -= w;
          touch(s, k);
        }
      }
      if (b >= 0) {
        const s = table.get(R, ids[b]!);
        if (s !== chosen) {
          counts[s]! -= w;
          touch(s, k);
        }
      }
      ids[p] = id;
      ids[q] = -1;
      next[p] = b;
      if (b >= 0) prev[b] = p;
      if (a >= 0) {
        const s = slotOf(ids[a]!, id);
        counts[s]! += w;
        occurrences[s]!.push(a);
        if (a < firstHint[s]!) firstHint[s] = a;
        touch(s, k);
      }
      if (b >= 0) {
        const s = slotOf(id, ids[b]!);
        counts[s]! += w;
        occurrences[s]!.push(p);
        if (p < firstHint[s]!) firstHint[s] = p;
        touch(s, k);
      }
    }
    counts[chosen] = 0;
    for (const s of touched) if (counts[s]! > 0) heap.push(counts[s]!, firstHint[s]!, s);
    options.onProgress?.({ merge: k + 1, total: numMerges, pair: [L, R], id, count: mergeCounts[k]! });
  }

  const specialTokens: Record<string, number> = {};
  specialList.forEach((s, i) => {
    specialTokens[s] = 256 + numMerges + i;
  });
  return { merges, counts: mergeCounts, specialTokens };
}
