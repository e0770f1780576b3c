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
import { previousStates, projectInputs, RecurrentModel, type RecurrentCell, recur } from './recurrent';
import type { ModelConfig } from './types';

/**
 * All hidden states of the GRU recurrence: `xzr [T, B, 2H]` and `xhb [T, B, H]` (input pre-activations
 * of z, r and h̄), `whzr [2H, H]`, `whb [H, H]`, `h0 [B, H]` → `[T, B, H]`, differentiable in all inputs.
 *
 * The backward pass is written out (backpropagation through time): the factors that do not depend on
 * the carried gradient are computed for all steps at once, leaving about twelve small ops per step
 * where autodiff replays about sixty, and each recurrent weight's gradient is one matmul over all steps.
 */
export const gruRecurrence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [xzr, whzr, xhb, whb, h0, save] = args as [
    tf.Tensor3D,
    tf.Tensor2D,
    tf.Tensor3D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.GradSaveFunc,
  ];
  const gateSteps = tf.unstack(xzr) as tf.Tensor2D[];
  const candSteps = tf.unstack(xhb) as tf.Tensor2D[];
  let h = h0;
  const hs: tf.Tensor[] = [];
  const zrs: tf.Tensor[] = [];
  const hbars: tf.Tensor[] = [];
  for (let t = 0; t < gateSteps.length; t++) {
    // Both gates read [x; h] and share one matmul per step; the candidate reads [x; r ⊙ h].
    const zr = tf.sigmoid(recur(h, whzr, gateSteps[t]!));
    const [z, r] = tf.split(zr, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const hbar = tf.tanh(recur(tf.mul(r, h), whb, candSteps[t]!));
    h = tf.add(h, tf.mul(z, tf.sub(hbar, h)));
    hs.push(h);
    zrs.push(zr);
    hbars.push(hbar);
  }
  const hAll = tf.stack(hs) as tf.Tensor3D;
  save([hAll, tf.stack(zrs), tf.stack(hbars), whzr, whb, h0]);
  return { value: hAll, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => gruBackward(dy, saved) };
});

function gruBackward(dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] {
  const [hAll, zrAll, hbarAll, whzr, whb, hInit] = saved as [
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
  ];
  const [time, batch, width] = hAll.shape;
  const hPrevAll = previousStates(hInit, hAll);
  const [zAll, rAll] = tf.split(zrAll, 2, 2) as [tf.Tensor3D, tf.Tensor3D];
  // Step-independent factors, for all steps at once.
  const toZ = tf.unstack(tf.sub(hbarAll, hPrevAll)) as tf.Tensor2D[]; // dz = dh ⊙ (h̄ − h_{t-1})
  const toHbarPre = tf.unstack(tf.mul(zAll, tf.sub(1, tf.square(hbarAll)))) as tf.Tensor2D[]; // ⊙ z ⊙ tanh'
  const keep = tf.unstack(tf.sub(1, zAll)) as tf.Tensor2D[]; // dh_{t-1} += dh ⊙ (1 − z)
  const zrSlope = tf.unstack(tf.mul(zrAll, tf.sub(1, zrAll))) as tf.Tensor2D[]; // σ'
  const hPrev = tf.unstack(hPrevAll) as tf.Tensor2D[];
  const r = tf.unstack(rAll) as tf.Tensor2D[];
  const dys = tf.unstack(dy) as tf.Tensor2D[];
  const dzr: tf.Tensor[] = new Array(time);
  const dhb: tf.Tensor[] = new Array(time);
  let carry: tf.Tensor | null = null;
  for (let t = time - 1; t >= 0; t--) {
    const dh: tf.Tensor = carry ? tf.add(dys[t]!, carry) : dys[t]!;
    const daHbar = tf.mul(dh, toHbarPre[t]!);
    const dRh = tf.matMul(daHbar as tf.Tensor2D, whb); // gradient of r ⊙ h_{t-1}
    const daZr = tf.mul(tf.concat([tf.mul(dh, toZ[t]!), tf.mul(dRh, hPrev[t]!)], 1), zrSlope[t]!);
    dhb[t] = daHbar;
    dzr[t] = daZr;
    const direct = tf.add(tf.mul(dh, keep[t]!), tf.mul(dRh, r[t]!));
    carry = tf.add(direct, tf.matMul(daZr as tf.Tensor2D, whzr));
  }
  const dxzr = tf.stack(dzr);
  const dxhb = tf.stack(dhb);
  const flat = (x: tf.Tensor, cols: number) => tf.reshape(x, [time * batch, cols]) as tf.Tensor2D;
  // dW = Σ_t da_tᵀ · (what that matmul read at step t): one matmul over every (step, row) pair.
  const dwhzr = tf.matMul(flat(dxzr, 2 * width), flat(hPrevAll, width), true, false);
  const dwhb = tf.matMul(flat(dxhb, width), flat(tf.mul(rAll, hPrevAll), width), true, false);
  return [dxzr, dwhzr, dxhb, dwhb, carry as tf.Tensor];
}

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
    const gates = projectInputs(emb, [this.xhToZ, this.xhToR]);
    const cand = projectInputs(emb, [this.xhToHbar]);
    const hAll = gruRecurrence(gates.timeMajor, gates.wh, cand.timeMajor, cand.wh, h0 as tf.Tensor2D);
    return tf.transpose(hAll, [1, 0, 2]) as tf.Tensor3D;
  }

  step(x: tf.Tensor2D, [h0]: tf.Tensor2D[]): tf.Tensor2D[] {
    const h = h0 as tf.Tensor2D;
    const xh = tf.concat([x, h], 1);
    const z = tf.sigmoid(this.xhToZ.apply(xh));
    const r = tf.sigmoid(this.xhToR.apply(xh));
    const hbar = tf.tanh(this.xhToHbar.apply(tf.concat([x, tf.mul(r, h)], 1)));
    return [tf.add(h, tf.mul(z, tf.sub(hbar, h))) as tf.Tensor2D];
  }
}

/** makemore.py's `--type gru`: `forward(idx [B, T]) → [B, T, V]`. Config: `nEmbd`, `nEmbd2` (64, 64). */
export class GRU extends RecurrentModel {
  constructor(config: ModelConfig) {
    super(config, 'gru', ['start'], (e, h, rng) => new GRUCell(e, h, rng));
  }
}
