/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization") and AdamW (Loshchilov & Hutter
 * 2019, "Decoupled Weight Decay Regularization"). TensorFlow.js ships Adam but not AdamW, so both are
 * written here on tf ops, with the bias-corrected update in the form PyTorch documents:
 *
 *   θ ← θ·(1 − lr·λ)                      (AdamW only, and only where `decay(name)` holds)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 *
 * Plain Adam's `weightDecay` is the classic coupled L2 term g ← g + λ·θ instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import { BufferSet, throwIfProblems } from './buffers';
import {
  checkLr,
  type DecayPredicate,
  type Gradients,
  gradientOf,
  type Optimizer,
  type OptimizerConfig,
  type OptimizerState,
} from './optimizer';

/** Options shared by {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** Base learning rate (default 1e-3). */
  lr?: number;
  /** β1 and β2 (default [0.9, 0.999]). */
  betas?: [number, number];
  /** ε added to the denominator (default 1e-8). */
  eps?: number;
  /** Weight decay λ (Adam default 0; AdamW default 0.01, as PyTorch). */
  weightDecay?: number;
}

/** Options for {@link AdamW}. */
export interface AdamWOptions extends AdamOptions {
  /**
   * Which parameters are decayed. The default, {@link isWeightMatrix}, decays weight matrices only:
   * not biases, not norm gains, not embedding tables.
   */
  decay?: DecayPredicate;
}

const EMBEDDING_NAME =
  /(^|\.)(wte|wpe|C|emb|embed|embedding|embeddings|tok_emb|pos_emb|tok_embedding|pos_embedding)(\.|$)/i;
const NORM_NAME =
  /(^|\.|_)(ln|ln_f|ln_\d+|ln\d+|norm|layernorm|layer_norm|batchnorm|bn|bngain|bnbias)(\.|_|\d|$)/i;

/**
 * The default AdamW decay rule: rank ≥ 2 and not an embedding table or a normalisation parameter, judged
 * from the makemore.py / nanoGPT parameter names (`wte`, `wpe`, `C`, `ln_1`, `ln_f`, `bn…`).
 */
export function isWeightMatrix(name: string, variable: Variable): boolean {
  return variable.rank >= 2 && !EMBEDDING_NAME.test(name) && !NORM_NAME.test(name);
}

/** Adam and AdamW share everything except how weight decay enters. */
class AdamBase implements Optimizer {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private steps = 0;
  private readonly expAvg: BufferSet;
  private readonly expAvgSq: BufferSet;
  private readonly decayed: Set<string>;

  constructor(
    private readonly type: 'adam' | 'adamw',
    private readonly params: Map<string, Variable>,
    options: AdamWOptions,
    defaultDecay: number,
  ) {
    const label = type === 'adam' ? 'Adam' : 'AdamW';
    this.lr = checkLr(options.lr ?? 1e-3, label);
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaultDecay;
    for (const [what, b] of [
      ['betas[0]', this.beta1],
      ['betas[1]', this.beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new RangeError(`${label}: ${what} must be in [0, 1), got ${b}`);
    }
    if (!(this.eps > 0)) throw new RangeError(`${label}: eps must be > 0, got ${this.eps}`);
    if (!(this.weightDecay >= 0))
      throw new RangeError(`${label}: weightDecay must be >= 0, got ${this.weightDecay}`);
    this.expAvg = new BufferSet('exp_avg', params);
    this.expAvgSq = new BufferSet('exp_avg_sq', params);
    const decay = options.decay ?? isWeightMatrix;
    this.decayed = new Set([...params].filter(([name, v]) => decay(name, v)).map(([name]) => name));
  }

  get stepCount(): number {
    return this.steps;
  }

  /** The parameter names that receive decoupled weight decay (AdamW). */
  decayedParameters(): string[] {
    return this.type === 'adamw' ? [...this.decayed] : [];
  }

  config(): OptimizerConfig {
    return {
      type: this.type,
      lr: this.lr,
      betas: [this.beta1, this.beta2],
      eps: this.eps,
      weightDecay: this.weightDecay,
      ...(this.type === 'adamw' ? { decayed: [...this.decayed] } : {}),
    };
  }

  step(grads: Gradients, lr = this.lr): void {
    checkLr(lr, `${this.type}.step`);
    const t = this.steps + 1;
    const stepSize = lr / (1 - this.beta1 ** t);
    const sqrtBias2 = Math.sqrt(1 - this.beta2 ** t);
    const decoupled = this.type === 'adamw' && this.weightDecay > 0;
    tf.tidy(() => {
      for (const [name, param] of this.params) {
        let g = gradientOf(grads, name);
        if (!g) continue;
        let theta: tf.Tensor = param;
        if (decoupled && this.decayed.has(name)) theta = tf.mul(param, 1 - lr * this.weightDecay);
        if (this.type === 'adam' && this.weightDecay > 0) g = tf.add(g, tf.mul(param, this.weightDecay));
        const m = this.expAvg.get(name);
        const v = this.expAvgSq.get(name);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBias2), this.eps);
        param.assign(tf.sub(theta, tf.mul(tf.div(m, denom), stepSize)));
      }
    });
    this.steps = t;
  }

  getState(): OptimizerState {
    const tensors = {};
    this.expAvg.export(tensors);
    this.expAvgSq.export(tensors);
    return { config: this.config(), step: this.steps, tensors };
  }

  setState(state: OptimizerState): void {
    const problems: string[] = [];
    if (state.config.type !== this.type)
      problems.push(`state is for '${state.config.type}', not '${this.type}'`);
    if (!Number.isInteger(state.step) || state.step < 0)
      problems.push(`step must be an integer >= 0, got ${state.step}`);
    this.expAvg.check(state.tensors, problems);
    this.expAvgSq.check(state.tensors, problems);
    throwIfProblems(problems, this.type);
    this.expAvg.import(state.tensors);
    this.expAvgSq.import(state.tensors);
    this.steps = state.step;
  }

  dispose(): void {
    this.expAvg.dispose();
    this.expAvgSq.dispose();
  }
}

/** Adam with optional coupled L2 weight decay. */
export class Adam extends AdamBase {
  constructor(params: Map<string, Variable>, options: AdamOptions = {}) {
    super('adam', params, options, 0);
  }
}

/** AdamW: Adam with weight decay decoupled from the gradient, applied to weight matrices only by default. */
export class AdamW extends AdamBase {
  constructor(params: Map<string, Variable>, options: AdamWOptions = {}) {
    super('adamw', params, options, 0.01);
  }
}
