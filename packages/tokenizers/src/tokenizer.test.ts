import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe';
import { CharTokenizer } from './char';
import { TokenizerFormatError } from './errors';
import { tokenizerFromJSON } from './tokenizer';

describe('tokenizerFromJSON', () => {
  it('restores either kind by its type field, from an object or JSON text', () => {
    const char = CharTokenizer.fromText('hello', { specialTokens: ['.'] });
    const bpe = BpeTokenizer.train('hello hello help', { vocabSize: 260 });
    const c = tokenizerFromJSON(JSON.stringify(char));
    const b = tokenizerFromJSON(bpe.toJSON());
    expect(c).toBeInstanceOf(CharTokenizer);
    expect(b).toBeInstanceOf(BpeTokenizer);
    expect(c.encode('.hello')).toEqual(char.encode('.hello'));
    expect(b.encode('hello help')).toEqual(bpe.encode('hello help'));
  });

  it('rejects an unknown type, naming it', () => {
    expect(() => tokenizerFromJSON({ type: 'wordpiece' } as never)).toThrow(TokenizerFormatError);
    expect(() => tokenizerFromJSON({ type: 'wordpiece' } as never)).toThrow(
      /"wordpiece"; expected "char" or "bpe"/,
    );
  });
});
