/**
 * @makemore/trainer/node: the file-system parts of the trainer, for Node.
 * - {@link Checkpointer}: best/ and last/ training snapshots, written atomically.
 * - {@link MetricsWriter}: a JSONL metrics log.
 * - {@link openTokenShards}: training data read window by window from token shards on disk.
 */
export {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointConfig,
  CheckpointError,
  Checkpointer,
} from './node/checkpointer';
export { MetricsWriter, type MetricsWriterOptions } from './node/metrics-writer';
export {
  openTokenShards,
  type ShardedTrainingData,
  type TokenShardsDataOptions,
} from './node/sharded-data';
