/**
 * GPT-2 and GPT-3's vocabulary (r50k_base, 50,257 tokens), ready to use: `import enc from '@makemore/tokenizers/encodings/r50k_base'`.
 * Its ranks ship in the compact rank format, generated at build time from OpenAI's `r50k_base.tiktoken`
 * (see scripts/generate-encodings.ts for the source and its checksum), and are read once, on import.
 */
import { BpeTokenizer } from '../bpe';
import { TIKTOKEN_PRESETS } from '../tiktoken-format';
import ranks from './generated/r50k_base';

/** The r50k_base tokenizer, special tokens included. */
const r50k_base: BpeTokenizer = BpeTokenizer.fromCompactRanks(ranks, TIKTOKEN_PRESETS.r50k_base);
export default r50k_base;
