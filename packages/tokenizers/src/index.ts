/**
 * @makemore/tokenizers: a character tokenizer and a fast byte-level BPE tokenizer that encodes exactly like
 * tiktoken, with zero dependencies. Browser-safe: nothing here touches Node built-ins (see `./node` for files).
 */
export { BpeTokenizer } from './bpe';
export type {
  BpeBuildOptions,
  BpeEncodeOptions,
  BpeMerge,
  BpeTokenizerJSON,
  BpeTrainOptions,
  SpecialTokenSet,
} from './bpe';
export { BpeTrainer, trainBpe, countPieces } from './bpe-train';
export type { TextChunks, TrainBpeOptions, TrainBpeResult, TrainProgress } from './bpe-train';
export { CharTokenizer, UNK_TOKEN } from './char';
export type { CharTokenizerJSON, CharTokenizerOptions, UnknownPolicy } from './char';
export { ENCODING_NAMES, encodingForModel, encodingNameForModel, getEncoding } from './encoding-registry';
export type { EncodingName } from './encoding-registry';
export { readCompactRanks, writeCompactRanks } from './compact-ranks';
export type { CompactRanks } from './compact-ranks';
export { HF_PATTERN_SOURCES, byteLevelToBytes, bytesToByteLevel } from './hf-format';
export { DisallowedSpecialTokenError, TokenizerFormatError } from './errors';
export { parseMinbpeModel, writeMinbpeModel } from './minbpe-format';
export type { MinbpeModel } from './minbpe-format';
export {
  GPT2_SPLIT_PATTERN,
  GPT4_SPLIT_PATTERN,
  O200K_SPLIT_PATTERN,
  SPLIT_FLAGS,
  SPLIT_PATTERNS,
  resolvePattern,
} from './patterns';
export type { PatternName } from './patterns';
export {
  TIKTOKEN_PRESETS,
  decodeBase64,
  encodeBase64,
  parseTiktokenRanks,
  writeTiktokenRanks,
} from './tiktoken-format';
export type { TiktokenPreset, TiktokenRank } from './tiktoken-format';
export { createStreamDecoder } from './stream-decoder';
export type { TokenStreamDecoder } from './stream-decoder';
export { tokenizerFromJSON } from './tokenizer';
export type { TextTokenizer, Tokenizer, TokenizerJSON } from './tokenizer';
export { decodeUtf8, encodeUtf8, toWellFormed } from './utf8';
