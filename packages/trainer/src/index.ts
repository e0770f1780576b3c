/**
 * @makemore/trainer: composable training parts and a ready training loop for makemore.ts models.
 * This entry is browser-safe (it runs in a Web Worker); the file-system parts are in `@makemore/trainer/node`.
 */
export { Adam, AdamW, isWeightMatrix, type AdamOptions, type AdamWOptions } from './optim/adam';
export { SGD, type SGDOptions } from './optim/sgd';
export { createOptimizer } from './optim/create';
export type {
  DecayPredicate,
  Gradients,
  Optimizer,
  OptimizerConfig,
  OptimizerState,
} from './optim/optimizer';
export {
  constant,
  cosineWithWarmup,
  stepDecay,
  type CosineOptions,
  type Schedule,
  type StepDecayOptions,
} from './schedules';
export { clipGradNorm, globalNorm, type ClippedGradients } from './clip';
export {
  createTrainingData,
  type Batch,
  type EncodesText,
  type EvalBatchOptions,
  type TextDataOptions,
  type TrainingData,
  type WordsDataOptions,
} from './data';
export { trainStep, type TrainStepOptions, type TrainStepResult } from './train-step';
export { estimateLoss, type EstimateLossOptions } from './estimate-loss';
export { findLearningRate, type LrFinderOptions, type LrFinderResult } from './lr-finder';
export type {
  CheckpointSink,
  CheckpointSlot,
  TrainerConfigRecord,
  TrainingSnapshot,
} from './checkpoint';
export {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointCodecOptions,
  type CheckpointConfig,
  CheckpointError,
  type CheckpointFileRecord,
  type CheckpointFileSet,
  decodeCheckpoint,
  encodeCheckpoint,
  parseCheckpointConfig,
} from './checkpoint-codec';
export { cloneSnapshot, disposeSnapshot, MemoryCheckpoints } from './memory-checkpoints';
export type {
  CheckpointEvent,
  DoneEvent,
  EvalEvent,
  SampleEvent,
  StepEvent,
  TrainEvent,
  TrainEventOf,
} from './events';
export {
  NonFiniteLossError,
  train,
  TrainingRun,
  type SampleContext,
  type TrainOptions,
  type TrainResult,
} from './train';
export { metricRecord, type MetricRecord } from './metrics';
export { GRADIENTS_REGISTERED } from './register-gradients';
export { TRAINER_VERSION } from './version';
