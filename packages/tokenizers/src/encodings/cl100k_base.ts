/**
 * GPT-3.5 and GPT-4's vocabulary (cl100k_base, 100,261 tokens), ready to use: `import enc from '@makemore/tokenizers/encodings/cl100k_base'`.
 * Its ranks ship in the compact rank format, generated at build time from OpenAI's `cl100k_base.tiktoken`
 * (see scripts/generate-encodings.ts for the source and its checksum), and are read once, on import.
 */
import { BpeTokenizer } from '../bpe';
import { TIKTOKEN_PRESETS } from '../tiktoken-format';
import ranks from './generated/cl100k_base';

/** The cl100k_base tokenizer, special tokens included. */
const cl100k_base: BpeTokenizer = BpeTokenizer.fromCompactRanks(ranks, TIKTOKEN_PRESETS.cl100k_base);
export default cl100k_base;
