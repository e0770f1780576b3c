/**
 * BigramNN: the neural bigram of makemore lecture part 1 and makemore.py's `Bigram`.
 *
 * One `[V, V]` weight matrix maps the previous token straight to next-token logits. Encoding the token
 * as a one-hot vector and multiplying by the matrix (the lecture) is the same function as looking up
 * its row (makemore.py); both are offered, because one is a matmul and the other a gather, which
 * backends implement with different speed. An optional L2 penalty `l2 · mean(W²)` pulls the logits
 * towards uniform: the lecture's "smoothing as regularisation".
 *
 * The parameter is named `logits` as in makemore.py and starts at zero there (`init: 'zeros'`);
 * the lecture starts from N(0, 1) (`init: 'normal'`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { constantInit, initRng, normalInit } from './init';
import { BaseLanguageModel } from './layers/base-model';
import type { InputKind, ModelConfig } from './types';

/** Configuration of {@link BigramNN}. */
export interface BigramNNConfig extends ModelConfig {
  type: 'bigram-nn';
  /** `one-hot` (matmul, the lecture; default) or `embedding` (row lookup, makemore.py). */
  encoding?: 'one-hot' | 'embedding';
  /** Weight of the L2 penalty `mean(W²)` added to the loss (default 0; the lecture uses 0.01). */
  l2?: number;
  /** Initial weights: `zeros` (makemore.py, default) or `normal` N(0, 1) (the lecture). */
  init?: 'zeros' | 'normal';
}

/** A `[V, V]` table of next-token logits indexed by the previous token. */
export class BigramNN extends BaseLanguageModel {
  readonly inputKind: InputKind = 'sequence';
  /** `[V, V]`: row a holds the logits of the token after a. */
  readonly logits: tf.Variable;
  override readonly config: BigramNNConfig;

  constructor(config: BigramNNConfig) {
    super(config);
    this.config = config;
    const V = config.vocabSize;
    const l2 = config.l2 ?? 0;
    if (!(l2 >= 0)) throw new Error(`bigram-nn config: l2 must be >= 0, got ${l2}`);
    const init = config.init ?? 'zeros';
    if (init !== 'zeros' && init !== 'normal') {
      throw new Error(`bigram-nn config: init must be "zeros" or "normal", got ${JSON.stringify(init)}`);
    }
    const encoding = config.encoding ?? 'one-hot';
    if (encoding !== 'one-hot' && encoding !== 'embedding') {
      throw new Error(
        `bigram-nn config: encoding must be "one-hot" or "embedding", got ${JSON.stringify(encoding)}`,
      );
    }
    this.logits = this.addParameter(
      'logits',
      init === 'zeros' ? constantInit([V, V], 0) : normalInit([V, V], 1, initRng(config.seed)),
    );
  }

  /** `idx [B, T]` (or any shape) → logits `[..., V]`. */
  forward(idx: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if ((this.config.encoding ?? 'one-hot') === 'embedding') return tf.gather(this.logits, idx);
      const V = this.vocabSize;
      const flat = tf.reshape(idx, [-1]);
      const xenc = tf.oneHot(tf.cast(flat, 'int32'), V, 1, 0, 'float32') as tf.Tensor2D;
      return tf.reshape(tf.matMul(xenc, this.logits as tf.Tensor2D), [...idx.shape, V]);
    });
  }

  protected override penalty(): tf.Scalar | null {
    const l2 = this.config.l2 ?? 0;
    return l2 > 0 ? (tf.mul(tf.mean(tf.square(this.logits)), l2) as tf.Scalar) : null;
  }
}
