/**
 * @makemore/datasets/node: everything from the core entry, plus the Node-only parts: `loadDataset`
 * from MAKEMORE_DATA_DIR, the user cache or a verified download, `downloadDataset`, `datasetPath` and
 * custom datasets from files and folders.
 */
export * from './index.js';
export { type LoadOptions, loadDataset, loadPath, MAX_TEXT_BYTES } from './node/load.js';
export {
  type DownloadOptions,
  type DownloadResult,
  cleanStalePartFiles,
  downloadDataset,
  fileUrl,
  offlineHelp,
  sha256File,
} from './node/download.js';
export {
  type DatasetLocation,
  type LocateOptions,
  datasetPath,
  defaultCacheDir,
  locateDataset,
} from './node/locate.js';
export {
  collectCharacters,
  type PrepareTokenShardsOptions,
  prepareTokenShards,
  TOKEN_SHARDS_FORMAT,
  TOKEN_SHARDS_INDEX,
  type TokenShard,
  type TokenShardsIndex,
} from './node/token-shards.js';
