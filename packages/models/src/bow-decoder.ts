/**
 * Stepping for {@link BoW}: its context is a causal mean, so generation carries the running sum of the
 * (token + position) embeddings, and a token costs one MLP block and one read-out whatever came before.
 *
 *   x_t = wte(tok) + wpe(t);  S += x_t;  y = x_t + S / (t + 1);  y += mlp(y);  logits = lm_head(y)
 *
 * `forward` takes the same mean as a matmul with a row-normalised triangular mask; the sum here adds
 * the same terms in order, so the logits agree to float rounding. Positions are learned and absolute,
 * so `capacity` is the block size (generate.ts's `window` option says what happens after it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BoW } from './bow';
import { checkRows, type TokenDecoder } from './token-decoder';

/** The {@link TokenDecoder} of a {@link BoW}: the running sum of embeddings per row. */
export class BoWDecoder implements TokenDecoder {
  readonly capacity: number;
  private sum: tf.Tensor2D | null = null;
  private length = 0;

  constructor(private readonly model: BoW) {
    this.capacity = model.blockSize;
  }

  prefill(rows: readonly (readonly number[])[]): tf.Tensor2D {
    const T = checkRows(rows, this.capacity);
    this.dispose();
    this.sum = tf.zeros([rows.length, this.model.config.nEmbd]);
    for (let t = 0; t < T - 1; t++) tf.dispose(this.step(rows.map((r) => r[t] as number)));
    return this.step(rows.map((r) => r[T - 1] as number));
  }

  step(tokens: readonly number[]): tf.Tensor2D {
    const sum = this.sum;
    if (sum === null) throw new Error('step before prefill');
    if (this.length >= this.capacity) {
      throw new Error(`the state has read ${this.length} tokens, its capacity; prefill a shorter window`);
    }
    const t = this.length;
    const E = this.model.config.nEmbd;
    const { wte, wpe, contextBlock, lmHead } = this.model;
    const [nextSum, logits] = tf.tidy(() => {
      const x = tf.add(wte.apply(tf.tensor1d([...tokens], 'int32')), tf.slice(wpe.weight, [t, 0], [1, E]));
      const s = tf.add(sum, x) as tf.Tensor2D;
      let y = tf.add(x, tf.div(s, t + 1));
      y = tf.add(y, contextBlock.mlp.apply(y));
      return [s, lmHead.apply(y) as tf.Tensor2D];
    });
    sum.dispose();
    this.sum = nextSum;
    this.length = t + 1;
    return logits;
  }

  keepRows(indices: readonly number[]): void {
    if (this.sum === null || indices.length === this.sum.shape[0]) return;
    const ix = tf.tensor1d([...indices], 'int32');
    const kept = tf.gather(this.sum, ix) as tf.Tensor2D;
    tf.dispose([this.sum, ix]);
    this.sum = kept;
  }

  dispose(): void {
    this.sum?.dispose();
    this.sum = null;
    this.length = 0;
  }
}
