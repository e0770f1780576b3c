/**
 * RNN: the Elman (1990) recurrent network of makemore.py, h_t = tanh(W [x_t; h_{t-1}] + b).
 *
 * Parameters: `start [1, nEmbd2]`, `wte.weight [V, nEmbd]`, `cell.xh_to_h.weight [nEmbd2, nEmbd + nEmbd2]`,
 * `cell.xh_to_h.bias [nEmbd2]`, `lm_head.weight [V, nEmbd2]`, `lm_head.bias [V]`.
 *
 * The time loop has a hand-written backward pass (backpropagation through time, Werbos 1990): autodiff
 * records every per-step op and replays ~10 kernels per step backwards; the closed form needs three
 * (add, multiply by 1 − h², one matmul), and the recurrent weight's gradient is ONE matmul over all steps.
 */
import type { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { Linear } from './layers/linear';
import { Module } from './layers/module';
import { previousStates, projectInputs, RecurrentModel, type RecurrentCell, recur } from './recurrent';
import type { ModelConfig } from './types';

/**
 * All hidden states of h_t = tanh(xp_t + h_{t-1} W_hᵀ): `xp [T, B, H]`, `wh [H, H]`, `h0 [B, H]` →
 * `[T, B, H]`, differentiable in all three inputs.
 */
export const tanhRecurrence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [xp, wh, h0, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  let h = h0;
  const hs: tf.Tensor2D[] = [];
  for (const x of tf.unstack(xp) as tf.Tensor2D[]) {
    h = tf.tanh(recur(h, wh, x));
    hs.push(h);
  }
  const all = tf.stack(hs) as tf.Tensor3D;
  save([all, wh, h0]);
  return {
    value: all,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [hAll, w, hInit] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
      const [time, batch, width] = hAll.shape;
      // tanh' = 1 − h², for all steps in one op; then walk back, carrying dL/dh_{t-1} = da_t W_h.
      const dys = tf.unstack(dy) as tf.Tensor2D[];
      const slopes = tf.unstack(tf.sub(1, tf.square(hAll))) as tf.Tensor2D[];
      const das: tf.Tensor2D[] = new Array(time);
      let carry: tf.Tensor2D | null = null;
      for (let t = time - 1; t >= 0; t--) {
        const dh = carry ? tf.add(dys[t]!, carry) : dys[t]!;
        const da = tf.mul(dh, slopes[t]!) as tf.Tensor2D;
        das[t] = da;
        carry = tf.matMul(da, w) as tf.Tensor2D;
      }
      const dxp = tf.stack(das) as tf.Tensor3D;
      // dW_h = Σ_t da_tᵀ h_{t-1}: one matmul over every (step, row) pair.
      const hPrev = previousStates(hInit, hAll);
      const flat = (x: tf.Tensor) => tf.reshape(x, [time * batch, width]) as tf.Tensor2D;
      const dwh = tf.matMul(flat(dxp), flat(hPrev), true, false);
      return [dxp, dwh, carry as tf.Tensor2D];
    },
  };
});

/** The vanilla RNN cell: one Linear over `[x_t; h_{t-1}]`, then tanh. */
export class RNNCell extends Module implements RecurrentCell {
  /** `[nEmbd2, nEmbd + nEmbd2]` + bias. */
  readonly xhToH: Linear;

  constructor(nEmbd: number, nEmbd2: number, rng: Rng) {
    super();
    this.xhToH = this.addModule('xh_to_h', new Linear(nEmbd + nEmbd2, nEmbd2, rng));
  }

  run(emb: tf.Tensor3D, [h0]: tf.Tensor2D[]): tf.Tensor3D {
    const { timeMajor, wh } = projectInputs(emb, [this.xhToH]);
    return tf.transpose(tanhRecurrence(timeMajor, wh, h0 as tf.Tensor2D), [1, 0, 2]) as tf.Tensor3D;
  }

  step(x: tf.Tensor2D, [h]: tf.Tensor2D[]): tf.Tensor2D[] {
    return [tf.tanh(this.xhToH.apply(tf.concat([x, h as tf.Tensor2D], 1))) as tf.Tensor2D];
  }
}

/** makemore.py's `--type rnn`: `forward(idx [B, T]) → [B, T, V]`. Config: `nEmbd`, `nEmbd2` (64, 64). */
export class RNN extends RecurrentModel {
  constructor(config: ModelConfig) {
    super(config, 'rnn', ['start'], (e, h, rng) => new RNNCell(e, h, rng));
  }
}
