/**
 * Codex and text-davinci-002/003's vocabulary (p50k_base, 50,281 tokens), ready to use: `import enc from '@makemore/tokenizers/encodings/p50k_base'`.
 * Its ranks ship in the compact rank format, generated at build time from OpenAI's `p50k_base.tiktoken`
 * (see scripts/generate-encodings.ts for the source and its checksum), and are read once, on import.
 */
import { BpeTokenizer } from '../bpe';
import { TIKTOKEN_PRESETS } from '../tiktoken-format';
import ranks from './generated/p50k_base';

/** The p50k_base tokenizer, special tokens included. */
const p50k_base: BpeTokenizer = BpeTokenizer.fromCompactRanks(ranks, TIKTOKEN_PRESETS.p50k_base);
export default p50k_base;
