/**
 * RNN: the Elman (1990) recurrent network of makemore.py, h_t = tanh(W [x_t; h_{t-1}] + b).
 *
 * Parameters: `start [1, nEmbd2]`, `wte.weight [V, nEmbd]`, `cell.xh_to_h.weight [nEmbd2, nEmbd + nEmbd2]`,
 * `cell.xh_to_h.bias [nEmbd2]`, `lm_head.weight [V, nEmbd2]`, `lm_head.bias [V]`.
 */
import type { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { Linear } from './layers/linear';
import { Module } from './layers/module';
import { projectInputs, RecurrentModel, type RecurrentCell, recur } from './recurrent';
import type { ModelConfig } from './types';

/** The vanilla RNN cell: one Linear over `[x_t; h_{t-1}]`, then tanh. */
export class RNNCell extends Module implements RecurrentCell {
  /** `[nEmbd2, nEmbd + nEmbd2]` + bias. */
  readonly xhToH: Linear;

  constructor(nEmbd: number, nEmbd2: number, rng: Rng) {
    super();
    this.xhToH = this.addModule('xh_to_h', new Linear(nEmbd + nEmbd2, nEmbd2, rng));
  }

  run(emb: tf.Tensor3D, [h0]: tf.Tensor2D[]): tf.Tensor3D {
    const { steps, wh } = projectInputs(emb, [this.xhToH]);
    let h = h0 as tf.Tensor2D;
    const hs: tf.Tensor2D[] = [];
    for (const xp of steps) {
      h = tf.tanh(recur(h, wh, xp));
      hs.push(h);
    }
    return tf.stack(hs, 1) as tf.Tensor3D;
  }
}

/** makemore.py's `--type rnn`: `forward(idx [B, T]) → [B, T, V]`. Config: `nEmbd`, `nEmbd2` (64, 64). */
export class RNN extends RecurrentModel {
  constructor(config: ModelConfig) {
    super(config, 'rnn', ['start'], (e, h, rng) => new RNNCell(e, h, rng));
  }
}
