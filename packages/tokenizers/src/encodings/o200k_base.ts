/**
 * GPT-4o's vocabulary (o200k_base, 200,019 ids), ready to use: `import enc from '@makemore/tokenizers/encodings/o200k_base'`.
 * Its ranks ship in the compact rank format, generated at build time from OpenAI's `o200k_base.tiktoken`
 * (see scripts/generate-encodings.ts for the source and its checksum), and are read once, on import.
 */
import { BpeTokenizer } from '../bpe';
import { TIKTOKEN_PRESETS } from '../tiktoken-format';
import ranks from './generated/o200k_base';

/** The o200k_base tokenizer, special tokens included. */
const o200k_base: BpeTokenizer = BpeTokenizer.fromCompactRanks(ranks, TIKTOKEN_PRESETS.o200k_base);
export default o200k_base;
