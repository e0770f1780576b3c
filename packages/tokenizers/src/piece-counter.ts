/**
 * Counting the pieces of a text that arrives in chunks, for training BPE on corpora larger than memory (or
 * than V8's longest string): memory grows with the number of distinct pieces, not with the text.
 *
 * A regex split is final only where more text cannot change it. In the split patterns here a piece that
 * ends well before the end of the text seen so far cannot: the longest look past a piece is a contraction
 * (`'ll`) or a one-character lookahead, and a run (letters, digits, spaces) that could grow reaches the end.
 * So each chunk is appended to the unsplit tail of the previous one, pieces ending at least `margin`
 * characters before the end are counted, and the rest becomes the new tail. Special tokens are cut out
 * first, the same way, with a margin at least as long as the longest of them.
 */
import { forEachPiece, resolvePattern, stickySplitRegex } from './patterns';
import { toWellFormed } from './utf8';

/** Characters kept back at the end of each chunk, beyond the longest special token. */
const MARGIN = 64;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A flat copy of `text`, so that a Map key does not keep the chunk it was sliced from alive. */
function ownCopy(text: string): string {
  return text.length > 12 ? ` ${text}`.slice(1) : text;
}

/** Counts distinct pieces chunk by chunk, in order of first appearance (what the trainer's tie rule needs). */
export class PieceCounter {
  /** Distinct pieces and how often each occurred. */
  readonly counts = new Map<string, number>();
  private tail = '';
  private readonly split: RegExp | null;
  private readonly specials: RegExp | null;
  private readonly margin: number;
  /** Without a split pattern the text is one piece (per special-token segment), so it is kept whole. */
  private readonly whole: string[] | null;

  constructor(pattern: string | null, specialTokens: readonly string[] = []) {
    const { source } = resolvePattern(pattern);
    this.split = source === null ? null : stickySplitRegex(source);
    this.specials =
      specialTokens.length === 0
        ? null
        : new RegExp(
            [...specialTokens]
              .sort((a, b) => b.length - a.length)
              .map(escapeRegex)
              .join('|'),
            'gu',
          );
    this.margin = MARGIN + Math.max(0, ...specialTokens.map((s) => s.length));
    this.whole = source === null ? [] : null;
  }

  /** Adds the next chunk of text. */
  add(chunk: string): void {
    if (this.whole !== null) {
      this.whole.push(chunk);
      return;
    }
    let text = this.tail + chunk;
    // A high surrogate at the very end may pair with the next chunk's first unit.
    const last = text.charCodeAt(text.length - 1);
    const held = last >= 0xd800 && last <= 0xdbff ? 1 : 0;
    text = toWellFormed(held ? text.slice(0, -1) : text) + (held ? text.slice(-1) : '');
    this.tail = text.slice(this.countUpTo(text, text.length - this.margin));
  }

  /** Counts what is left and returns all the counts. */
  finish(): Map<string, number> {
    if (this.whole !== null) {
      const text = toWellFormed(this.whole.join(''));
      this.whole.length = 0;
      for (const segment of this.specials === null ? [text] : text.split(this.specials)) this.count(segment);
      return this.counts;
    }
    const text = toWellFormed(this.tail);
    this.tail = '';
    this.countUpTo(text, Number.POSITIVE_INFINITY);
    return this.counts;
  }

  private count(piece: string): void {
    if (piece.length === 0) return;
    const seen = this.counts.get(piece);
    if (seen === undefined) this.counts.set(ownCopy(piece), 1);
    else this.counts.set(piece, seen + 1);
  }

  /**
   * Counts the pieces of `text` that end at or before `limit` (special tokens too), stopping at the first
   * that does not; returns where that one starts (`text.length` when everything was counted).
   */
  private countUpTo(text: string, limit: number): number {
    if (limit <= 0) return 0;
    let segmentStart = 0;
    const specials = this.specials;
    if (specials !== null) specials.lastIndex = 0;
    for (;;) {
      const match = specials === null ? null : specials.exec(text);
      const segmentEnd = match === null ? text.length : match.index;
      const stop = this.countSegment(text, segmentStart, segmentEnd, limit);
      if (stop >= 0) return stop;
      if (match === null) return text.length;
      if (match.index + match[0].length > limit) return match.index;
      segmentStart = match.index + match[0].length;
    }
  }

  /** Counts the pieces of `text[start..end)` ending by `limit`; returns where it stopped, or -1 if it did not. */
  private countSegment(text: string, start: number, end: number, limit: number): number {
    if (start >= end) return -1;
    const segment = start === 0 && end === text.length ? text : text.slice(start, end);
    let stop = -1;
    forEachPiece(this.split!, segment, (s, e) => {
      if (stop >= 0) return;
      if (start + e > limit) stop = start + s;
      else this.count(segment.slice(s, e));
    });
    return stop;
  }
}
