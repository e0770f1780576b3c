/**
 * @makemore/trainer/node: the file-system parts of the trainer, for Node.
 * - {@link Checkpointer}: best/ and last/ training snapshots, written atomically.
 * - {@link MetricsWriter}: a JSONL metrics log that never throws from its stream; {@link truncateMetrics}.
 * - {@link acquireRunLock}: one training process per run folder.
 * - {@link openTokenShards}: training data read window by window from token shards on disk.
 */
export {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointConfig,
  CheckpointError,
  type CheckpointFileRecord,
  Checkpointer,
  type CheckpointerOptions,
  type LoadedSlot,
  sha256,
} from './node/checkpointer';
export {
  MetricsWriteError,
  MetricsWriter,
  type MetricsWriterOptions,
  type TruncateMetricsResult,
  truncateMetrics,
} from './node/metrics-writer';
export {
  type AcquireRunLockOptions,
  acquireRunLock,
  RUN_LOCK_FILE,
  type RunLock,
  RunLockedError,
  type RunLockHolder,
  readHolder,
} from './node/run-lock';
export {
  openTokenShards,
  readTokenShardsIndex,
  type ShardedTrainingData,
  type TokenShardsIndexJson,
  type TokenShardsDataOptions,
} from './node/sharded-data';
