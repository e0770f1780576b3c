/**
 * The optimizer contract shared by SGD, Adam and AdamW.
 *
 * An optimizer is bound to a model's named parameters when it is built (as in PyTorch), and each
 * `step(grads, lr)` updates those variables in place. Its state (moment buffers and the step count) can
 * be read out as plain tensors and JSON and put back, which is what makes a resumed run continue exactly.
 */
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';

/** Gradients by parameter name, as `LanguageModel.parameters()` names them. */
export type Gradients = Map<string, Tensor> | Record<string, Tensor>;

/** Which parameters get weight decay: `true` for those that should. */
export type DecayPredicate = (name: string, variable: Variable) => boolean;

/** The JSON half of an optimizer's state: its kind, hyperparameters and how many steps it has taken. */
export interface OptimizerConfig {
  type: 'sgd' | 'adam' | 'adamw';
  lr: number;
  [hyper: string]: unknown;
}

/**
 * Everything needed to continue optimising: `config` is plain JSON, `tensors` holds the per-parameter
 * buffers named `<buffer>.<parameter name>` (e.g. `exp_avg.transformer.wte.weight`).
 */
export interface OptimizerState {
  config: OptimizerConfig;
  /** Number of updates taken so far (Adam's bias correction depends on it). */
  step: number;
  tensors: Record<string, Tensor>;
}

/** An optimizer over a fixed set of named variables. */
export interface Optimizer {
  /** The base learning rate, used when `step` is called without one. */
  lr: number;
  /** Number of updates taken so far. */
  readonly stepCount: number;
  /** The optimizer's kind and hyperparameters as JSON. */
  config(): OptimizerConfig;
  /**
   * Applies one update. Parameters missing from `grads` are left untouched (PyTorch skips a
   * parameter whose `.grad` is None). The gradients stay owned by the caller.
   */
  step(grads: Gradients, lr?: number): void;
  /**
   * Optional: one update with the gradients first clipped to the global norm `maxNorm`, given their norm
   * `norm` (a scalar the caller owns), exactly as `clipGradNorm` then `step`. An optimizer that can fold the
   * clipping into its update (AdamW on a backend with the fused `MakemoreAdam`) saves those kernels and never
   * reads the norm back; `trainStep` uses this when it exists.
   */
  stepClipped?(grads: Gradients, norm: Scalar, maxNorm: number, lr?: number): void;
  /** A copy of the state; the caller owns (and should dispose) the returned tensors. */
  getState(): OptimizerState;
  /** Replaces the state with a copy of `state`. Throws, changing nothing, if names or shapes differ. */
  setState(state: OptimizerState): void;
  /** Frees the optimizer's buffers (not the parameters). */
  dispose(): void;
}

/** Reads a gradient by name from either a Map or a record. */
export function gradientOf(grads: Gradients, name: string): Tensor | undefined {
  return grads instanceof Map ? grads.get(name) : grads[name];
}

/** Rejects a learning rate that is not a finite number >= 0. */
export function checkLr(lr: number, where: string): number {
  if (!Number.isFinite(lr) || lr < 0) {
    throw new RangeError(`${where}: learning rate must be a finite number >= 0, got ${lr}`);
  }
  return lr;
}
