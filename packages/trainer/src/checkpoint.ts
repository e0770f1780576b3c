/**
 * What a training checkpoint holds, and the small interface the loop saves through. The Node
 * `Checkpointer` (`@makemore/trainer/node`) writes it to a directory; a browser passes its own sink
 * (IndexedDB, memory) implementing {@link CheckpointSink}.
 */
import type { ModelConfig } from '@makemore/models';
import type { RngState } from '@makemore/random';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { OptimizerState } from './optim/optimizer';

/** Which slot a checkpoint goes to: the lowest dev loss so far, or the most recent. */
export type CheckpointSlot = 'best' | 'last';

/** The trainer settings recorded with a checkpoint (plain JSON). */
export interface TrainerConfigRecord {
  steps: number;
  batchSize: number;
  seed: number;
  evalEvery: number;
  evalIters: number | 'all';
  gradClip?: number;
  [extra: string]: unknown;
}

/** Everything needed to continue a run exactly, or to sample from its model. */
export interface TrainingSnapshot {
  /** The model's JSON config (`createModel(snapshot.model)` rebuilds it). */
  model: ModelConfig;
  /** The tokenizer's JSON, when the run has one. */
  tokenizer?: unknown;
  /** The dataset description from `TrainingData.describe()` plus caller info. */
  dataset?: Record<string, unknown>;
  trainer: TrainerConfigRecord;
  /** Steps completed. */
  step: number;
  /** Lowest eval-split loss seen so far (null before the first evaluation). */
  bestDevLoss: number | null;
  /** The batch sampler's RNG state after `step` steps. */
  rngState: RngState;
  /** The model's own random stream (dropout), when it has one: `model.randomState()`. */
  modelRngState?: RngState;
  /** Package versions and the tf backend that produced the checkpoint. */
  versions?: Record<string, string>;
  /** Model parameters and buffers by name (`model.stateDict()`). */
  weights: Record<string, Tensor>;
  optimizer: OptimizerState;
}

/** Something the training loop can save snapshots to. */
export interface CheckpointSink {
  /**
   * Stores `snapshot` in `slot`. The tensors in it are valid only until the promise settles; copy
   * them (or their data) if they must outlive the call.
   */
  save(snapshot: TrainingSnapshot, slot: CheckpointSlot): Promise<void> | void;
}
