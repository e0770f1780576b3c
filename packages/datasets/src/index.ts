/**
 * @makemore/datasets: the makemore datasets (names, verbs, tiny Shakespeare, State of the Union) and
 * custom ones, with pinned sha256 checks, seeded splits and the example builders models train on.
 *
 * This entry is browser-safe (no Node built-ins). `loadDataset` here fetches from a `baseUrl`; the Node
 * version, which reads MAKEMORE_DATA_DIR, the user cache and downloads, is in `@makemore/datasets/node`.
 */
export type {
  Dataset,
  DatasetDocument,
  DatasetFile,
  DatasetInfo,
  DatasetKind,
  TextTokenizer,
} from './types.js';
export { DatasetError, type DatasetErrorCode, isDatasetError } from './errors.js';
export {
  type BuiltinDatasetName,
  datasetFiles,
  datasetInfo,
  isBuiltinDataset,
  listDatasets,
} from './registry.js';
export {
  type InMemoryOptions,
  datasetFromDocuments,
  datasetFromText,
  datasetFromWords,
  distinct,
  inferKind,
  joinDocuments,
  parseDocumentId,
  requireWords,
  splitLines,
} from './build.js';
export { decodeText, findInvalidUtf8 } from './decode.js';
export {
  type SplitDocumentsOptions,
  type SplitWordsOptions,
  type TextSplit,
  type WordSplit,
  splitDocuments,
  splitText,
  splitWords,
} from './splits.js';
export { type EncodeTextOptions, encodeText } from './encode.js';
export {
  type ContextWindows,
  type ContextWindowsOptions,
  type WindowBatch,
  type WindowBatchesOptions,
  contextWindows,
  windowBatches,
} from './context-windows.js';
export {
  type SequenceBatch,
  type SequenceBatchesOptions,
  type TokenArray,
  orderedSequenceBatches,
  sequenceBatches,
} from './sequence-batches.js';
export {
  type WordSequenceBatch,
  type WordSequenceBatchesOptions,
  type WordSequences,
  type WordSequencesOptions,
  encodeWordSequences,
  maxWordLength,
  wordSequenceBatches,
} from './word-sequences.js';
export {
  type BigramCounts,
  type BigramCountsOptions,
  type DatasetStats,
  type WordStats,
  bigramCounts,
  charFrequencies,
  datasetStats,
  vocabulary,
  wordStats,
} from './stats.js';
export type { DownloadProgress, FetchOptions } from './http.js';
export { type BrowserLoadOptions, loadDataset, sha256Hex } from './load.js';
