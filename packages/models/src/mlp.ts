/**
 * MLP language model: Bengio, Ducharme, Vincent & Jauvin, "A Neural Probabilistic Language Model"
 * (JMLR 2003), as taught in makemore lectures 2–3 and implemented in makemore.py.
 *
 * Each of the `blockSize` previous tokens is looked up in an embedding table C, the embeddings are
 * concatenated, passed through one tanh hidden layer (optionally batch-normalised, lecture part 3) and
 * projected to next-token logits. Two input conventions:
 *
 * - `inputKind: 'window'` (the lecture): `forward(idx [B, blockSize]) → [B, V]`, the prediction after
 *   the window; the window is ordered oldest → newest and is left-padded with the boundary token 0 by
 *   whoever builds it. Defaults: nEmbd 10, nHidden 200 (the lecture's 27×10 table and 200 neurons).
 * - `inputKind: 'sequence'` (makemore.py): `forward(idx [B, T]) → [B, T, V]`, a prediction at every
 *   position. The context of position t is tokens t, t-1, …, t-blockSize+1 (newest first), and
 *   positions before the start read an extra "blank" token with id `vocabSize`, so the table has
 *   vocabSize + 1 rows. Defaults: nEmbd 64, nEmbd2 64 (makemore.py's).
 *
 * Parameter names follow makemore.py's `nn.Sequential`: `wte.weight`, `mlp.0.weight`, `mlp.0.bias`,
 * `mlp.2.weight`, `mlp.2.bias` (with BatchNorm: `mlp.1.*` is the BatchNorm, tanh is 2, the output 3,
 * and the first Linear has no bias, since BatchNorm's shift replaces it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initRng } from './init';
import { mlpLoss } from './mlp-backprop';
import { Tanh } from './layers/activations';
import { BaseLanguageModel, requirePositiveInt } from './layers/base-model';
import { BatchNorm1d } from './layers/batch-norm';
import { Embedding } from './layers/embedding';
import { Linear } from './layers/linear';
import { ModuleList } from './layers/module';
import type { InputKind, LossOptions, ModelConfig } from './types';

/** Configuration of {@link MLP}. */
export interface MLPConfig extends ModelConfig {
  type: 'mlp';
  /** `window` (lecture, default) or `sequence` (makemore.py). */
  inputKind?: InputKind;
  /** Embedding size per token (window default 10, sequence default 64). */
  nEmbd?: number;
  /** Hidden units (window default 200). Alias of nEmbd2. */
  nHidden?: number;
  /** Hidden units, makemore.py's flag name (sequence default 64). */
  nEmbd2?: number;
  /** Insert BatchNorm1d between the hidden Linear and tanh (lecture part 3). */
  batchNorm?: boolean;
  /** BatchNorm momentum (default 0.1 as PyTorch; the lecture uses 0.001). */
  bnMomentum?: number;
  /**
   * Initialisation: `pytorch` (nn.Linear / nn.Embedding defaults, as makemore.py; default) or `lecture`
   * (lecture part 3's fix for saturated tanh: hidden weights N(0, (5/3)² / fanIn), output weights
   * N(0, 0.01²), zero biases), which starts near the uniform loss ln(V).
   */
  init?: 'pytorch' | 'lecture';
}

type MlpLayer = Linear | BatchNorm1d | Tanh;

/** Bengio et al. 2003 MLP language model. */
export class MLP extends BaseLanguageModel {
  readonly inputKind: InputKind;
  override readonly config: MLPConfig;
  /** The token embedding table C: `[V, nEmbd]` (window) or `[V + 1, nEmbd]` (sequence). */
  readonly wte: Embedding;
  /** Linear, (BatchNorm1d), Tanh, Linear. */
  readonly mlp: ModuleList<MlpLayer>;
  /** Embedding size per token. */
  readonly nEmbd: number;
  /** Hidden width. */
  readonly nHidden: number;

  constructor(config: MLPConfig) {
    super(config);
    this.config = config;
    const kind = config.inputKind ?? 'window';
    if (kind !== 'window' && kind !== 'sequence') {
      throw new Error(`mlp config: inputKind must be "window" or "sequence", got ${JSON.stringify(kind)}`);
    }
    this.inputKind = kind;
    const seq = kind === 'sequence';
    this.nEmbd = config.nEmbd ?? (seq ? 64 : 10);
    this.nHidden = config.nHidden ?? config.nEmbd2 ?? (seq ? 64 : 200);
    requirePositiveInt('nEmbd', this.nEmbd);
    requirePositiveInt('nHidden', this.nHidden);
    const rng = initRng(config.seed);
    const V = this.vocabSize;
    this.wte = this.addModule('wte', new Embedding(seq ? V + 1 : V, this.nEmbd, rng));
    const init = config.init ?? 'pytorch';
    if (init !== 'pytorch' && init !== 'lecture') {
      throw new Error(`mlp config: init must be "pytorch" or "lecture", got ${JSON.stringify(init)}`);
    }
    const fanIn = this.blockSize * this.nEmbd;
    const lecture = init === 'lecture';
    const layers: MlpLayer[] = [
      new Linear(fanIn, this.nHidden, rng, {
        bias: !config.batchNorm,
        init: lecture ? { std: 5 / 3 / Math.sqrt(fanIn) } : 'pytorch',
      }),
    ];
    if (config.batchNorm) layers.push(new BatchNorm1d(this.nHidden, { momentum: config.bnMomentum ?? 0.1 }));
    layers.push(new Tanh(), new Linear(this.nHidden, V, rng, { init: lecture ? { std: 0.01 } : 'pytorch' }));
    this.mlp = this.addModule('mlp', new ModuleList(layers));
  }

  /**
   * Mean cross-entropy against `targets` (`[B]` for windows, `[B, T]` for sequences). Without BatchNorm,
   * forward and backward are one hand-written op (`mlpLoss` in mlp-backprop.ts), which needs far fewer kernels than
   * autodiff; with BatchNorm, or another cross-entropy method, it is the generic autodiff path.
   */
  override loss(idx: tf.Tensor, targets: tf.Tensor, options: LossOptions = {}): tf.Scalar {
    const [first, tanh, last] = [...this.mlp];
    const b1 = first instanceof Linear ? first.bias : null;
    const b2 = last instanceof Linear ? last.bias : null;
    if (!(tanh instanceof Tanh) || b1 === null || b2 === null || this.crossEntropyMethod !== 'fused') {
      return super.loss(idx, targets, options);
    }
    const weights = { C: this.wte.weight, W1: (first as Linear).weight, b1, W2: (last as Linear).weight, b2 };
    return tf.tidy(() => {
      const ids = this.inputKind === 'window' ? this.checkWindow(idx) : this.sequenceWindows(idx);
      if (targets.size !== ids.shape[0]) {
        throw new Error(`MLP.loss: targets [${targets.shape}] do not match idx [${idx.shape}]`);
      }
      return mlpLoss(weights, ids, targets, options.ignoreIndex ?? -1);
    });
  }

  private checkWindow(idx: tf.Tensor): tf.Tensor {
    if (idx.rank !== 2 || idx.shape[1] !== this.blockSize) {
      throw new Error(`MLP (window) expects idx [B, ${this.blockSize}], got [${idx.shape}]`);
    }
    if (idx.dtype !== 'int32') {
      throw new TypeError(`MLP: token ids must be an int32 tensor, got ${idx.dtype}`);
    }
    return idx;
  }

  /** Window: `idx [B, blockSize]` → `[B, V]`. Sequence: `idx [B, T]` → `[B, T, V]`. */
  forward(idx: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let x: tf.Tensor;
      if (this.inputKind === 'window') {
        if (idx.rank !== 2 || idx.shape[1] !== this.blockSize) {
          throw new Error(`MLP (window) expects idx [B, ${this.blockSize}], got [${idx.shape}]`);
        }
        x = tf.reshape(this.wte.apply(idx), [-1, this.blockSize * this.nEmbd]);
      } else {
        if (idx.rank !== 2) throw new Error(`MLP (sequence) expects idx [B, T], got [${idx.shape}]`);
        x = this.sequenceContext(idx);
      }
      for (const layer of this.mlp) x = layer.apply(x);
      return x;
    });
  }

  /** `[B, T]` → concatenated context embeddings `[B, T, blockSize · nEmbd]`, newest token first. */
  private sequenceContext(idx: tf.Tensor): tf.Tensor {
    const [B, T] = idx.shape as [number, number];
    return tf.reshape(this.wte.apply(this.sequenceWindows(idx)), [B, T, this.blockSize * this.nEmbd]);
  }

  /** `[B, T]` → the token ids of every position's window, `[B·T, blockSize]`, newest first. */
  private sequenceWindows(idx: tf.Tensor): tf.Tensor {
    if (idx.rank !== 2) throw new Error(`MLP (sequence) expects idx [B, T], got [${idx.shape}]`);
    const [B, T] = idx.shape as [number, number];
    const bs = this.blockSize;
    // Left-pad with the blank id so every position has bs predecessors, then gather all windows at once.
    const padded = tf.pad(
      tf.cast(idx, 'int32'),
      [
        [0, 0],
        [bs - 1, 0],
      ],
      this.vocabSize,
    );
    return tf.reshape(tf.gather(padded, this.windowIndexFor(T), 1), [B * T, bs]);
  }

  /** `[T, bs]` int32 positions into the padded sequence: row t = t+bs-1, t+bs-2, …, t. */
  private windowIndexFor(T: number): tf.Tensor {
    const bs = this.blockSize;
    const values = new Int32Array(T * bs);
    for (let t = 0; t < T; t++) for (let k = 0; k < bs; k++) values[t * bs + k] = t - k + bs - 1;
    return tf.tensor2d(values, [T, bs], 'int32');
  }
}
