/**
 * Embedding: a lookup table of `numEmbeddings` vectors, PyTorch's `nn.Embedding`, initialised from
 * N(0, 1) as PyTorch does (or N(0, std²) for GPT-2's scheme). A lookup is one `gather`, whose
 * gradient is an `UnsortedSegmentSum` scatter-add.
 */
import type { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { normalInit } from '../init';
import { Module } from './module';

/** A table of learned vectors indexed by token id: `weight [numEmbeddings, embeddingDim]`. */
export class Embedding extends Module {
  /** `[numEmbeddings, embeddingDim]`. */
  readonly weight: tf.Variable;

  /**
   * @param std standard deviation of the initial weights (PyTorch: 1, GPT-2: 0.02).
   */
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    rng: Rng,
    std = 1,
  ) {
    super();
    this.weight = this.addParameter('weight', normalInit([numEmbeddings, embeddingDim], std, rng));
  }

  /** int32 ids of any shape `[...]` → `[..., embeddingDim]`. */
  apply(idx: tf.Tensor): tf.Tensor {
    if (idx.dtype !== 'int32') {
      throw new TypeError(
        `Embedding: token ids must be an int32 tensor, got ${idx.dtype}; create them with tf.tensor(ids, shape, 'int32')`,
      );
    }
    return tf.gather(this.weight, idx);
  }
}
