import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe';
import { TokenizerFormatError } from './errors';
import { parseMinbpeModel } from './minbpe-format';

// A minbpe RegexTokenizer model as minbpe writes it: version, pattern, special count, specials, merges.
const GPT4_PY =
  "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
const model = ['minbpe v1', GPT4_PY, '1', '<|endoftext|> 259', '97 97', '256 97', '257 98', ''].join('\n');

describe('minbpe .model format', () => {
  it("reads a RegexTokenizer model with minbpe's GPT-4 pattern and encodes the Wikipedia example", () => {
    const tok = BpeTokenizer.fromMinbpeModel(model);
    expect(tok.pattern).toBe('gpt4');
    expect(tok.specialTokens).toEqual({ '<|endoftext|>': 259 });
    expect(tok.encode('aaabdaaabac')).toEqual([258, 100, 258, 97, 99]);
    expect(tok.encode('aaab<|endoftext|>', { allowedSpecial: 'all' })).toEqual([258, 259]);
  });

  it('reads a BasicTokenizer model (empty pattern line)', () => {
    const tok = BpeTokenizer.fromMinbpeModel('minbpe v1\n\n0\n97 97\n');
    expect(tok.pattern).toBeNull();
    expect(tok.encode('aaa')).toEqual([256, 97]);
  });

  it('names the line of each problem', () => {
    const bad = (text: string, pattern: RegExp) => {
      expect(() => parseMinbpeModel(text)).toThrow(TokenizerFormatError);
      expect(() => parseMinbpeModel(text)).toThrow(pattern);
    };
    bad('minbpe v2\n\n0\n', /line 1: expected the version line "minbpe v1"/);
    bad('minbpe v1\n\nx\n', /line 3: expected the number of special tokens/);
    bad('minbpe v1\n\n1\n<|x|>\n', /line 4: expected "<special token> <id>"/);
    bad('minbpe v1\n\n0\n97 98\n97 x\n', /line 5: expected "<left id> <right id>"/);
    bad('minbpe v1\n\n0\n97 300\n', /line 4: merge uses id 300, but only ids < 256 exist yet/);
    bad('minbpe v1\na++(\n0\n', /line 2: .*not a valid JavaScript regex/);
  });
});
