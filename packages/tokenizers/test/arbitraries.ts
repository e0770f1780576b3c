/** fast-check generators shared by the tests. */
import fc from 'fast-check';

/** Any code point (surrogates excluded) as a string. */
const codePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c));

const loneSurrogate = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D');

/** Strings that mix ASCII, any Unicode, graphemes (emoji ZWJ sequences) and lone surrogates. */
export const anyString = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 6 }) },
      { weight: 2, arbitrary: codePoint },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) },
      { weight: 1, arbitrary: loneSurrogate },
      { weight: 1, arbitrary: fc.constantFrom(' ', '  ', '\n', '\r\n', '\t', "'s", "'LL") },
    ),
    { maxLength: 20 },
  )
  .map((parts) => parts.join(''));
