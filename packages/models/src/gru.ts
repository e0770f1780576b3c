/**
 * GRU: the gated recurrent unit of Cho et al. 2014 ("Learning Phrase Representations using RNN
 * Encoder-Decoder"), in makemore.py's form, where the reset gate scales h before the candidate's matmul:
 *
 *   r = σ(W_r [x; h]),  z = σ(W_z [x; h]),  h̄ = tanh(W_h̄ [x; r ⊙ h]),  h' = (1 − z) ⊙ h + z ⊙ h̄
 *
 * Parameters: `start`, `wte.weight`, `cell.xh_to_z.*`, `cell.xh_to_r.*`, `cell.xh_to_hbar.*` (each
 * weight `[nEmbd2, nEmbd + nEmbd2]`, bias `[nEmbd2]`), `lm_head.*`.
 */
import type { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { Linear } from './layers/linear';
import { Module } from './layers/module';
import { projectInputs, RecurrentModel, type RecurrentCell, recur } from './recurrent';
import type { ModelConfig } from './types';

/** The GRU cell: update gate z, reset gate r, candidate h̄. */
export class GRUCell extends Module implements RecurrentCell {
  readonly xhToZ: Linear;
  readonly xhToR: Linear;
  readonly xhToHbar: Linear;

  constructor(nEmbd: number, nEmbd2: number, rng: Rng) {
    super();
    this.xhToZ = this.addModule('xh_to_z', new Linear(nEmbd + nEmbd2, nEmbd2, rng));
    this.xhToR = this.addModule('xh_to_r', new Linear(nEmbd + nEmbd2, nEmbd2, rng));
    this.xhToHbar = this.addModule('xh_to_hbar', new Linear(nEmbd + nEmbd2, nEmbd2, rng));
  }

  run(emb: tf.Tensor3D, [h0]: tf.Tensor2D[]): tf.Tensor3D {
    // Both gates read [x; h] and share one matmul per step; the candidate reads [x; r ⊙ h].
    const gates = projectInputs(emb, [this.xhToZ, this.xhToR]);
    const cand = projectInputs(emb, [this.xhToHbar]);
    const gateSteps = tf.unstack(gates.timeMajor) as tf.Tensor2D[];
    const candSteps = tf.unstack(cand.timeMajor) as tf.Tensor2D[];
    let h = h0 as tf.Tensor2D;
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < gateSteps.length; t++) {
      const zr = tf.sigmoid(recur(h, gates.wh, gateSteps[t]!));
      const [z, r] = tf.split(zr, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const hbar = tf.tanh(recur(tf.mul(r, h), cand.wh, candSteps[t]!));
      h = tf.add(h, tf.mul(z, tf.sub(hbar, h)));
      hs.push(h);
    }
    return tf.stack(hs, 1) as tf.Tensor3D;
  }
}

/** makemore.py's `--type gru`: `forward(idx [B, T]) → [B, T, V]`. Config: `nEmbd`, `nEmbd2` (64, 64). */
export class GRU extends RecurrentModel {
  constructor(config: ModelConfig) {
    super(config, 'gru', ['start'], (e, h, rng) => new GRUCell(e, h, rng));
  }
}
