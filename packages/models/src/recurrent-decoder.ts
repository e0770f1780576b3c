/**
 * Stepping for the recurrent models (RNN, GRU, LSTM): generation carries the hidden state instead of
 * re-reading the context, so a token costs one cell step and one read-out, O(1) in the context length.
 *
 *   prefill(rows): h = start; for each token: h = cell.step(wte(x), h)      (c too for the LSTM)
 *   step(x):       h = cell.step(wte(x), h);  logits = lm_head(h)
 *
 * The state is exactly what `forward` computes position by position, so the logits match it (to float
 * rounding). `capacity` is the block size: a model trained on `blockSize` tokens is not asked about
 * longer contexts, the same rule as the transformer (generate.ts's `window` option says what then).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RecurrentModel } from './recurrent';
import { checkRows, type TokenDecoder } from './token-decoder';

/** The {@link TokenDecoder} of a {@link RecurrentModel}: the hidden (and cell) state per row. */
export class RecurrentDecoder implements TokenDecoder {
  readonly capacity: number;
  private state: tf.Tensor2D[] = [];
  private length = 0;

  constructor(private readonly model: RecurrentModel) {
    this.capacity = model.blockSize;
  }

  prefill(rows: readonly (readonly number[])[]): tf.Tensor2D {
    const T = checkRows(rows, this.capacity);
    this.dispose();
    const B = rows.length;
    const width = this.model.config.nEmbd2;
    this.state = tf.tidy(() => this.model.starts.map((s) => tf.broadcastTo(s, [B, width]) as tf.Tensor2D));
    for (let t = 0; t < T - 1; t++) this.advance(rows.map((r) => r[t] as number));
    this.length = T - 1;
    return this.step(rows.map((r) => r[T - 1] as number));
  }

  step(tokens: readonly number[]): tf.Tensor2D {
    if (this.state.length === 0) throw new Error('step before prefill');
    if (this.length >= this.capacity) {
      throw new Error(`the state has read ${this.length} tokens, its capacity; prefill a shorter window`);
    }
    this.advance(tokens);
    this.length++;
    const h = this.state[0] as tf.Tensor2D;
    return tf.tidy(() => this.model.lmHead.apply(h) as tf.Tensor2D);
  }

  keepRows(indices: readonly number[]): void {
    if (this.state.length === 0 || indices.length === this.state[0]?.shape[0]) return;
    const ix = tf.tensor1d([...indices], 'int32');
    const kept = this.state.map((s) => tf.gather(s, ix) as tf.Tensor2D);
    tf.dispose([...this.state, ix]);
    this.state = kept;
  }

  dispose(): void {
    tf.dispose(this.state);
    this.state = [];
    this.length = 0;
  }

  /** One cell step on every row's token, replacing the state. */
  private advance(tokens: readonly number[]): void {
    const next = tf.tidy(() => {
      const x = this.model.wte.apply(tf.tensor1d([...tokens], 'int32')) as tf.Tensor2D;
      return this.model.cell.step(x, this.state);
    });
    tf.dispose(this.state);
    this.state = next;
  }
}
