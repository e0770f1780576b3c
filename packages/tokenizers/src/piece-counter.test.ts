import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyString } from '../test/arbitraries';
import { BpeTokenizer } from './bpe';
import { BpeTrainer, countPieces, trainBpe } from './bpe-train';
import { PieceCounter } from './piece-counter';
import { toWellFormed } from './utf8';

/** Cuts `text` at the given positions (taken modulo its length). */
function chunksOf(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let start = 0;
  for (const c of at) {
    out.push(text.slice(start, c));
    start = c;
  }
  out.push(text.slice(start));
  return out;
}

const words = fc
  .array(
    fc.oneof(
      anyString,
      fc.constantFrom(
        "'ll",
        "'s",
        "'VE",
        ' the',
        '   ',
        '\n\n',
        ' \n',
        '12345',
        '<|endoftext|>',
        '<|end',
        'oftext|>',
      ),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('PieceCounter', () => {
  it('counts the same pieces, in the same order, however the text is cut', () => {
    for (const pattern of ['gpt4', 'gpt2', 'o200k', null]) {
      fc.assert(
        fc.property(words, fc.array(fc.nat(), { maxLength: 12 }), (text, cuts) => {
          const counter = new PieceCounter(pattern, ['<|endoftext|>']);
          for (const chunk of chunksOf(text, cuts)) counter.add(chunk);
          const got = counter.finish();
          const expected = countPieces(toWellFormed(text), pattern, ['<|endoftext|>']);
          expect([...got]).toEqual([...expected]);
        }),
        { numRuns: 150 },
      );
    }
  });
});

describe('training from chunks', () => {
  const text = 'the cat sat on the mat. the cat ate the rat, and 12345 rats ran.\n'.repeat(40);
  const options = { vocabSize: 280, pattern: 'gpt4', specialTokens: ['<|endoftext|>'] } as const;
  const reference = trainBpe(text, options);

  it('learns the same merges from a string, chunks, an async stream or a fed trainer', async () => {
    const chunks = chunksOf(text, [7, 100, 101, 555, 1999]);
    expect(trainBpe(chunks, options)).toEqual(reference);
    async function* stream() {
      for (const c of chunks) yield c;
    }
    expect(await trainBpe(stream(), options)).toEqual(reference);
    const trainer = new BpeTrainer(options);
    for (const c of chunks) trainer.add(c);
    expect(trainer.finish()).toEqual(reference);
    expect(() => trainer.finish()).toThrow(/already called/);
    const tok = await BpeTokenizer.train(stream(), options);
    expect(tok.merges).toEqual(BpeTokenizer.train(text, options).merges);
  });

  it('rejects input that is not text', () => {
    expect(() => trainBpe(42 as unknown as string, options)).toThrow(
      /string, an iterable or an async iterable/,
    );
    expect(() => new BpeTrainer(options).add(7 as unknown as string)).toThrow(
      /BpeTrainer.add expects a string/,
    );
  });
});
