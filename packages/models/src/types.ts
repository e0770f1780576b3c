/**
 * The contract every makemore.ts model meets. The trainer, the CLI and the demo depend only on this
 * file's types, so a model can be swapped for another by changing its config.
 */
import type { RngState } from '@makemore/random';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';

/** The model families, named as the CLI's `--model` flag names them. */
export type ModelType =
  | 'bigram'
  | 'bigram-nn'
  | 'mlp'
  | 'rnn'
  | 'gru'
  | 'lstm'
  | 'bow'
  | 'wavenet'
  | 'transformer';

/**
 * How a model reads its input.
 * - `sequence`: `forward(idx[B, T])` gives logits `[B, T, vocab]`, a prediction at every position
 *   (makemore.py's RNN, GRU, LSTM, BoW, Transformer, BigramNN and its MLP variant).
 * - `window`: `forward(idx[B, blockSize])` gives logits `[B, vocab]` for the one token after the window
 *   (the lecture's MLP and WaveNet, trained on `contextWindows`).
 */
export type InputKind = 'sequence' | 'window';

/**
 * A model's whole configuration as plain JSON. Field names mirror the CLI flags in camelCase.
 * Each model documents which fields it reads; unknown fields are kept but ignored.
 */
export interface ModelConfig {
  type: ModelType;
  vocabSize: number;
  blockSize: number;
  nEmbd?: number;
  nEmbd2?: number;
  nHidden?: number;
  nLayer?: number;
  nHead?: number;
  dropout?: number;
  /** Use BatchNorm where the model supports it (MLP lecture part 3, WaveNet). */
  batchNorm?: boolean;
  /** Tie the token embedding and the output projection (Transformer). */
  tieWeights?: boolean;
  /** Use biases in Linear layers and LayerNorms (Transformer, nanoGPT's `bias`). */
  bias?: boolean;
  /** `window` or `sequence` for models that offer both (MLP). */
  inputKind?: InputKind;
  /** Seed for weight initialisation. */
  seed?: number;
  [extra: string]: unknown;
}

/** Options for {@link LanguageModel.loss}. */
export interface LossOptions {
  /** Targets equal to this id add nothing to the loss (makemore.py pads with -1). Default -1. */
  ignoreIndex?: number;
}

/** A trainable TensorFlow.js language model. */
export interface LanguageModel {
  readonly config: ModelConfig;
  readonly vocabSize: number;
  readonly blockSize: number;
  readonly inputKind: InputKind;
  /** True in training mode (dropout on, BatchNorm uses batch statistics and updates running ones). */
  readonly training: boolean;
  /** Switches between training and inference mode. */
  setTraining(training: boolean): void;
  /** Logits for int32 token ids; shapes as {@link InputKind} describes. Caller owns the result. */
  forward(idx: Tensor): Tensor;
  /** Mean cross-entropy of `forward(idx)` against int32 `targets`, skipping `ignoreIndex`. */
  loss(idx: Tensor, targets: Tensor, options?: LossOptions): Scalar;
  /** The trainable variables, in a stable order, under makemore.py / nanoGPT parameter names. */
  parameters(): Map<string, Variable>;
  /** Non-trainable state saved with the weights, e.g. BatchNorm running mean and variance. */
  buffers(): Map<string, Variable>;
  /** Total number of trainable scalars. */
  numParams(): number;
  /** Parameters and buffers as a name → tensor record (the tensors are the live variables). */
  stateDict(): Record<string, Tensor>;
  /**
   * Copies weights in. Every name must be present with the right shape; otherwise it throws an error
   * listing each mismatch and loads nothing.
   */
  loadStateDict(record: Record<string, Tensor>): void;
  /**
   * The state of the model's own random stream (dropout masks), or null when it draws no random numbers.
   * A checkpoint stores it so that a resumed run draws the same masks as an uninterrupted one.
   */
  randomState?(): RngState | null;
  /** Restores a state from {@link LanguageModel.randomState}. */
  setRandomState?(state: RngState): void;
  /** Frees every tensor the model owns. */
  dispose(): void;
}
