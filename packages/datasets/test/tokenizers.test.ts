// The builders with the real CharTokenizer from @makemore/tokenizers (boundary '.' at id 0).
import { CharTokenizer } from '@makemore/tokenizers';
import { describe, expect, it } from 'vitest';
import { bigramCounts, contextWindows, encodeText, encodeWordSequences, splitText } from '../src/index.js';
import { loadDataset } from '../src/node.js';
import { DATA_DIR } from './helpers.js';

const names = (await loadDataset('names', { dataDir: DATA_DIR })).words as string[];

describe('with @makemore/tokenizers CharTokenizer', () => {
  const tok = CharTokenizer.fromText(names.join(''), { specialTokens: ['.'] });

  it('builds the lecture examples and bigram table', () => {
    expect(tok.vocabSize).toBe(27);
    const w = contextWindows(names, tok, 3);
    expect(w.n).toBe(228146);
    expect(tok.decode(w.x.subarray(3, 6))).toBe('..e');
    const b = bigramCounts(names, { tokenizer: tok });
    expect(b.tokens.slice(0, 3)).toEqual(['.', 'a', 'b']);
    expect(Array.from(b.counts)).toEqual(Array.from(bigramCounts(names).counts));
    const s = encodeWordSequences(['emma'], tok);
    expect(tok.decode(s.x)).toBe('.emma');
  });

  it('encodes tiny Shakespeare to 2-byte tokens that decode back', async () => {
    const text = (await loadDataset('shakespeare', { dataDir: DATA_DIR })).text;
    const charTok = CharTokenizer.fromText(text);
    expect(charTok.vocabSize).toBe(65);
    const ids = encodeText(text, charTok);
    expect(ids).toBeInstanceOf(Uint16Array);
    expect(ids.length).toBe(1115394);
    const { train, val } = splitText(ids);
    expect(train.length).toBe(1003854);
    expect(charTok.decode(val.subarray(0, 20))).toBe(text.slice(1003854, 1003874));
  });
});
