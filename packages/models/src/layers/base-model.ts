/**
 * BaseLanguageModel: the plumbing every TensorFlow.js model in the zoo shares, so that each model file
 * holds only its architecture and forward pass.
 *
 * It provides the {@link LanguageModel} contract on top of {@link Module}: `loss` (mean cross-entropy
 * with an ignore index, plus an optional penalty term), named `parameters()` / `buffers()`,
 * `numParams()`, `stateDict()` and an all-or-nothing `loadStateDict()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkStateDict, pickStateEntry, StateDictError } from '../state-dict';
import type { InputKind, LanguageModel, LossOptions, ModelConfig } from '../types';
import { type CrossEntropyMethod, crossEntropy } from './cross-entropy';
import { Module } from './module';
import { assertGradientsRegistered } from './register-gradients';

/** Abstract base of the tfjs models: subclasses build their layers and implement {@link forward}. */
export abstract class BaseLanguageModel extends Module implements LanguageModel {
  /** How `forward` reads its input. */
  abstract readonly inputKind: InputKind;
  /** Number of token ids the model predicts over. */
  readonly vocabSize: number;
  /** Longest context the model reads. */
  readonly blockSize: number;
  /** Which cross-entropy implementation `loss` uses (see the package bench). */
  crossEntropyMethod: CrossEntropyMethod = 'fused';

  constructor(readonly config: ModelConfig) {
    super();
    assertGradientsRegistered();
    requirePositiveInt('vocabSize', config.vocabSize);
    requirePositiveInt('blockSize', config.blockSize);
    this.vocabSize = config.vocabSize;
    this.blockSize = config.blockSize;
  }

  /** Logits for int32 token ids. Caller owns the result. */
  abstract forward(idx: tf.Tensor): tf.Tensor;

  /**
   * Extra loss term added to the cross-entropy (e.g. BigramNN's L2 penalty). Called inside a tidy
   * while gradients are being recorded. Default: none.
   */
  protected penalty(): tf.Scalar | null {
    return null;
  }

  /**
   * Names that stand in for another parameter (alias → canonical), e.g. `lm_head.weight` for a tied
   * `transformer.wte.weight`. They appear in {@link stateDict} and are accepted by {@link loadStateDict}.
   */
  protected stateDictAliases(): Record<string, string> {
    return {};
  }

  /** Mean cross-entropy of `forward(idx)` against int32 `targets`, skipping `ignoreIndex` (default -1). */
  loss(idx: tf.Tensor, targets: tf.Tensor, options: LossOptions = {}): tf.Scalar {
    return tf.tidy(() => {
      const nll = crossEntropy(this.forward(idx), targets, {
        ignoreIndex: options.ignoreIndex ?? -1,
        method: this.crossEntropyMethod,
      });
      const extra = this.penalty();
      return extra ? tf.add(nll, extra) : nll;
    });
  }

  /** Trainable variables by makemore.py / nanoGPT name, in registration order. */
  parameters(): Map<string, tf.Variable> {
    return this.namedParameters();
  }

  /** Non-trainable state saved with the weights (BatchNorm running statistics). */
  buffers(): Map<string, tf.Variable> {
    return this.namedBuffers();
  }

  /** Total number of trainable scalars. */
  numParams(): number {
    let n = 0;
    for (const v of this.namedParameters().values()) n += v.size;
    return n;
  }

  /** Parameters, buffers and aliases as name → live variable (do not dispose them). */
  stateDict(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, v] of this.namedParameters()) out[name] = v;
    for (const [name, v] of this.namedBuffers()) out[name] = v;
    for (const [alias, canonical] of Object.entries(this.stateDictAliases())) {
      const v = out[canonical];
      if (v !== undefined) out[alias] = v;
    }
    return out;
  }

  /**
   * Copies weights in. Checks every expected name and shape first; on any mismatch throws a
   * {@link StateDictError} listing each one and loads nothing. Known non-weight PyTorch buffers
   * (causal masks, `num_batches_tracked`) are ignored. Values are cast to float32.
   */
  loadStateDict(record: Record<string, tf.Tensor>): void {
    const targets = new Map<string, tf.Variable>([...this.namedParameters(), ...this.namedBuffers()]);
    const expected = new Map<string, readonly number[]>();
    for (const [name, v] of targets) expected.set(name, v.shape);
    const aliases = this.stateDictAliases();
    const problems = checkStateDict(expected, record, { aliases });
    if (problems.length > 0) throw new StateDictError(problems, `a ${this.config.type} state dict`);
    tf.tidy(() => {
      for (const [name, v] of targets) {
        const src = pickStateEntry(record, name, aliases) as tf.Tensor;
        v.assign(src.dtype === 'float32' ? src : tf.cast(src, 'float32'));
      }
    });
  }
}

/** Throws a clear error unless `value` is a positive integer. */
export function requirePositiveInt(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`model config: ${field} must be a positive integer, got ${JSON.stringify(value)}`);
  }
}
