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
import { previousStates, projectInputs, RecurrentModel, type RecurrentCell, recur } from './recurrent';
import type { ModelConfig } from './types';

/**
 * All hidden states of the LSTM recurrence: `xp [T, B, 4H]` (input pre-activations of i, f, o, c̄),
 * `wh [4H, H]`, `h0`, `c0 [B, H]` → `[T, B, H]`, differentiable in all four inputs.
 *
 * The backward pass is written out (backpropagation through time) instead of replaying autodiff's ~30
 * kernels per step: every factor that does not depend on the carried gradients is computed for all
 * steps at once, leaving seven small ops per step, and W_h's gradient is one matmul over all steps.
 */
export const lstmRecurrence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [xp, wh, h0, c0, save] = args as [
    tf.Tensor3D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.GradSaveFunc,
  ];
  const width = h0.shape[1];
  let h = h0;
  let c = c0;
  const hs: tf.Tensor[] = [];
  const cs: tf.Tensor[] = [];
  const sigmoids: tf.Tensor[] = [];
  const candidates: tf.Tensor[] = [];
  for (const x of tf.unstack(xp) as tf.Tensor2D[]) {
    // The three sigmoid gates come first, so one split separates them from the candidate.
    const [pre, cand] = tf.split(recur(h, wh, x), [3 * width, width], 1) as [tf.Tensor2D, tf.Tensor2D];
    const sig = tf.sigmoid(pre);
    const cbar = tf.tanh(cand);
    const [i, f, o] = tf.split(sig, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    c = tf.add(tf.mul(f, c), tf.mul(i, cbar));
    h = tf.mul(o, tf.tanh(c));
    hs.push(h);
    cs.push(c);
    sigmoids.push(sig);
    candidates.push(cbar);
  }
  const hAll = tf.stack(hs) as tf.Tensor3D;
  const gates = tf.concat([tf.stack(sigmoids), tf.stack(candidates)], 2); // activated i, f, o, c̄
  save([hAll, tf.stack(cs), gates, wh, h0, c0]);
  return { value: hAll, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => lstmBackward(dy, saved) };
});

function lstmBackward(dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] {
  const [hAll, cAll, gates, w, hInit, cInit] = saved as [
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
  ];
  const [time, batch, width] = cAll.shape;
  const [iAll, fAll, oAll, cbarAll] = tf.split(gates, 4, 2) as tf.Tensor3D[];
  const sigAll = tf.slice(gates, [0, 0, 0], [time, batch, 3 * width]);
  const tc = tf.tanh(cAll);
  const cPrev = previousStates(cInit, cAll);
  // d(gate pre-activations) = [dc, dc, dh, dc] ⊙ [c̄, c_{t-1}, tanh c, i] ⊙ [σ', σ', σ', tanh'].
  const slope = tf.concat([tf.mul(sigAll, tf.sub(1, sigAll)), tf.sub(1, tf.square(cbarAll!))], 2);
  const factors = tf.unstack(tf.mul(tf.concat([cbarAll!, cPrev, tc, iAll!], 2), slope)) as tf.Tensor2D[];
  // dc_t gets dh_t ⊙ o_t ⊙ (1 − tanh² c_t) from the output, plus the carry f_{t+1} ⊙ dc_{t+1}.
  const dcFromDh = tf.unstack(tf.mul(oAll!, tf.sub(1, tf.square(tc)))) as tf.Tensor2D[];
  const forget = tf.unstack(fAll!) as tf.Tensor2D[];
  const dys = tf.unstack(dy) as tf.Tensor2D[];
  const das: tf.Tensor[] = new Array(time);
  let carryH: tf.Tensor | null = null;
  let carryC: tf.Tensor | null = null;
  for (let t = time - 1; t >= 0; t--) {
    const dh: tf.Tensor = carryH ? tf.add(dys[t]!, carryH) : dys[t]!;
    const fromH = tf.mul(dh, dcFromDh[t]!);
    const dc: tf.Tensor = carryC ? tf.add(carryC, fromH) : fromH;
    const da: tf.Tensor = tf.mul(tf.concat([dc, dc, dh, dc], 1), factors[t]!);
    das[t] = da;
    carryH = tf.matMul(da as tf.Tensor2D, w);
    carryC = tf.mul(dc, forget[t]!);
  }
  const dxp = tf.stack(das);
  // dW_h = Σ_t da_tᵀ h_{t-1}: one matmul over every (step, row) pair.
  const dwh = tf.matMul(
    tf.reshape(dxp, [time * batch, 4 * width]) as tf.Tensor2D,
    tf.reshape(previousStates(hInit, hAll), [time * batch, width]) as tf.Tensor2D,
    true,
    false,
  );
  return [dxp, dwh, carryH as tf.Tensor, carryC as tf.Tensor];
}

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
    // All four gates in one matmul per step, in the order i, f, o, c̄.
    const { timeMajor, wh } = projectInputs(emb, [this.xhToI, this.xhToF, this.xhToO, this.xhToCbar]);
    const hAll = lstmRecurrence(timeMajor, wh, h0 as tf.Tensor2D, c0 as tf.Tensor2D);
    return tf.transpose(hAll, [1, 0, 2]) as tf.Tensor3D;
  }

  step(x: tf.Tensor2D, [h, c]: tf.Tensor2D[]): tf.Tensor2D[] {
    const xh = tf.concat([x, h as tf.Tensor2D], 1);
    const i = tf.sigmoid(this.xhToI.apply(xh));
    const f = tf.sigmoid(this.xhToF.apply(xh));
    const o = tf.sigmoid(this.xhToO.apply(xh));
    const cbar = tf.tanh(this.xhToCbar.apply(xh));
    const cNext = tf.add(tf.mul(f, c as tf.Tensor2D), tf.mul(i, cbar)) as tf.Tensor2D;
    return [tf.mul(o, tf.tanh(cNext)) as tf.Tensor2D, cNext];
  }
}

/** An LSTM language model: `forward(idx [B, T]) → [B, T, V]`. Config: `nEmbd`, `nEmbd2` (64, 64). */
export class LSTM extends RecurrentModel {
  constructor(config: ModelConfig) {
    super(config, 'lstm', ['start', 'start_c'], (e, h, rng) => new LSTMCell(e, h, rng));
  }
}
