/**
 * LSTM: long short-term memory (Hochreiter & Schmidhuber 1997) with the forget gate of Gers, Schmidhuber
 * & Cummins 2000. Not in makemore.py; it has the same interface as its RNN and GRU:
 *
 *   i = σ(W_i [x; h]),  f = σ(W_f [x; h]),  o = σ(W_o [x; h]),  c̄ = tanh(W_c̄ [x; h])
 *   c' = f ⊙ c + i ⊙ c̄,  h' = o ⊙ tanh(c')
 *
 * Parameters (names in makemore.py's style): `start [1, nEmbd2]` (h_0), `start_c [1, nEmbd2]` (c_0),
 * `wte.weight [V, nEmbd]`, `cell.xh_to_i`, `cell.xh_to_f`, `cell.xh_to_o`, `cell.xh_to_cbar` (each
 * `.weight [nEmbd2, nEmbd + nEmbd2]` and `.bias [nEmbd2]`), `lm_head.weight [V, nEmbd2]`, `lm_head.bias [V]`.
 * Initialisation is PyTorch's `nn.Linear` default, as for the other cells.
 */
import type { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { Linear } from './layers/linear';
import { Module } from './layers/module';
import { projectInputs, RecurrentModel, type RecurrentCell, recur } from './recurrent';
import type { ModelConfig } from './types';

/** The LSTM cell: input, forget and output gates and a candidate cell state. */
export class LSTMCell extends Module implements RecurrentCell {
  readonly xhToI: Linear;
  readonly xhToF: Linear;
  readonly xhToO: Linear;
  readonly xhToCbar: Linear;

  constructor(nEmbd: number, nEmbd2: number, rng: Rng) {
    super();
    this.xhToI = this.addModule('xh_to_i', new Linear(nEmbd + nEmbd2, nEmbd2, rng));
    this.xhToF = this.addModule('xh_to_f', new Linear(nEmbd + nEmbd2, nEmbd2, rng));
    this.xhToO = this.addModule('xh_to_o', new Linear(nEmbd + nEmbd2, nEmbd2, rng));
    this.xhToCbar = this.addModule('xh_to_cbar', new Linear(nEmbd + nEmbd2, nEmbd2, rng));
  }

  run(emb: tf.Tensor3D, [h0, c0]: tf.Tensor2D[]): tf.Tensor3D {
    // All four gates in one matmul per step; the three sigmoid gates come first so one split separates them.
    const { timeMajor, wh } = projectInputs(emb, [this.xhToI, this.xhToF, this.xhToO, this.xhToCbar]);
    const steps = tf.unstack(timeMajor) as tf.Tensor2D[];
    const width = this.xhToI.outFeatures;
    let h = h0 as tf.Tensor2D;
    let c = c0 as tf.Tensor2D;
    const hs: tf.Tensor2D[] = [];
    for (const xp of steps) {
      const [sig, cand] = tf.split(recur(h, wh, xp), [3 * width, width], 1);
      const [i, f, o] = tf.split(tf.sigmoid(sig as tf.Tensor2D), 3, 1);
      c = tf.add(tf.mul(f!, c), tf.mul(i!, tf.tanh(cand!)));
      h = tf.mul(o!, tf.tanh(c));
      hs.push(h);
    }
    return tf.stack(hs, 1) as tf.Tensor3D;
  }
}

/** An LSTM language model: `forward(idx [B, T]) → [B, T, V]`. Config: `nEmbd`, `nEmbd2` (64, 64). */
export class LSTM extends RecurrentModel {
  constructor(config: ModelConfig) {
    super(config, 'lstm', ['start', 'start_c'], (e, h, rng) => new LSTMCell(e, h, rng));
  }
}
