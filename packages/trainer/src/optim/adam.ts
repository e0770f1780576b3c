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
 *
 * Small models are bound by the number of kernels per step, and this update is ~14 kernels per parameter
 * tensor (750 for makemore's transformer). When every parameter has a gradient, the update runs on two
 * flat vectors instead, one for decayed and one for undecayed parameters, with the moments kept flat
 * between steps: the same float32 arithmetic element by element, in ~3 kernels per tensor. A backend that
 * registers the fused `MakemoreAdam` kernel (@makemore/backend on wasm) does the update in one pass.
 */
import { canFuse, FUSED_KERNEL_NAMES, runFused } from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import { scaleToNorm } from '../clip';
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

/** The per-step constants of the update. */
interface StepScalars {
  /** lr / (1 − β1ᵗ). */
  size: number;
  /** √(1 − β2ᵗ). */
  sqrtBias2: number;
  /** 1 − lr·λ, applied to decayed parameters (AdamW). */
  decayFactor: number;
}

/**
 * The most floats a flat group holds (32 MB of float32). A step writes new moments and parameters for a
 * group before the old ones are freed, so one group of everything would double the optimizer's memory at
 * each step: GPT-2 small's 124 M parameters would need 1.5 GB more for a moment, past the 4 GB a wasm heap
 * can hold. Groups of at most this size keep that extra to the largest one (a tensor larger than this, such
 * as GPT-2's 38.6 M-float token table, is a group of its own); small models still update in one group.
 */
export const MAX_FLAT_GROUP_FLOATS = 8 * 1024 * 1024;

/** Parameters updated together as one flat vector, with their moments. */
interface FlatGroup {
  names: string[];
  sizes: number[];
  decays: boolean;
  m: tf.Variable;
  v: tf.Variable;
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
  /** The moments as flat vectors per group, while every step has had every gradient; else null. */
  private flat: FlatGroup[] | null = null;
  /** During {@link stepClipped} on a fused backend: the norm and limit the kernel clips the gradients by. */
  private clip: { norm: tf.Scalar; maxNorm: number } | undefined;

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
    const step: StepScalars = {
      size: lr / (1 - this.beta1 ** t),
      sqrtBias2: Math.sqrt(1 - this.beta2 ** t),
      decayFactor: 1 - lr * this.weightDecay,
    };
    const everyGradient = [...this.params.keys()].every((name) => gradientOf(grads, name) !== undefined);
    if (everyGradient && this.params.size > 1) this.flatStep(grads, step);
    else this.tensorStep(grads, step);
    this.steps = t;
  }

  /**
   * One step with the gradients clipped to `maxNorm` first. Where the backend has the fused `MakemoreAdam`
   * for every parameter and gradient, the norm goes into the kernel (one dispatch clips and updates a whole
   * group, and the norm is never read back); elsewhere the gradients are scaled with tf ops first, as
   * `clipGradNorm` does.
   */
  stepClipped(grads: Gradients, norm: tf.Scalar, maxNorm: number, lr = this.lr): void {
    if (!(maxNorm > 0)) throw new RangeError(`${this.type}.stepClipped: maxNorm must be > 0, got ${maxNorm}`);
    const tensors = [...this.params.values(), norm];
    for (const name of this.params.keys()) {
      const g = gradientOf(grads, name);
      if (g) tensors.push(g as tf.Variable);
    }
    if (!canFuse(tensors, FUSED_KERNEL_NAMES.adam)) {
      const scaled = scaleToNorm(grads, norm, maxNorm);
      try {
        this.step(scaled, lr);
      } finally {
        tf.dispose([...scaled.values()]);
      }
      return;
    }
    this.clip = { norm, maxNorm };
    try {
      this.step(grads, lr);
    } finally {
      this.clip = undefined;
    }
  }

  /** Whether the parameter `name` is multiplied by the decoupled decay factor this step. */
  private decays(name: string): boolean {
    return this.type === 'adamw' && this.weightDecay > 0 && this.decayed.has(name);
  }

  /** The update of one parameter from its gradient `g` and moments `m`, `v` (any equal shapes). */
  private update(
    param: tf.Tensor,
    g: tf.Tensor,
    m: tf.Variable,
    v: tf.Variable,
    decays: boolean,
    s: StepScalars,
  ) {
    const l2 = this.type === 'adam' ? this.weightDecay : 0;
    if (canFuse([param, g], FUSED_KERNEL_NAMES.adam))
      return this.fusedUpdate([param], [g], m, v, decays, s)[0] as tf.Tensor;
    const theta = decays ? tf.mul(param, s.decayFactor) : param;
    const grad = l2 > 0 ? tf.add(g, tf.mul(param, l2)) : g;
    m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(grad, 1 - this.beta1)));
    v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2)));
    const denom = tf.add(tf.div(tf.sqrt(v), s.sqrtBias2), this.eps);
    return tf.sub(theta, tf.mul(tf.div(m, denom), s.size));
  }

  /**
   * The update on the backend's `MakemoreAdam`: the same float32 arithmetic in the same order, for
   * parameters whose moments lie back to back in `m` and `v`. Assigns the moments, returns the parameters.
   */
  private fusedUpdate(
    params: tf.Tensor[],
    grads: tf.Tensor[],
    m: tf.Variable,
    v: tf.Variable,
    decays: boolean,
    s: StepScalars,
  ): tf.Tensor[] {
    const inputs: tf.NamedTensorMap = { m, v };
    params.forEach((p, i) => {
      inputs[`p${i}`] = p;
      inputs[`g${i}`] = grads[i] as tf.Tensor;
    });
    if (this.clip) inputs.norm = this.clip.norm;
    const [m2, v2, ...next] = runFused(FUSED_KERNEL_NAMES.adam, inputs, {
      ...(this.clip ? { maxNorm: this.clip.maxNorm } : {}),
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      size: s.size,
      sqrtBias2: s.sqrtBias2,
      decay: decays ? s.decayFactor : 1,
      l2: this.type === 'adam' ? this.weightDecay : 0,
    }) as [tf.Tensor, tf.Tensor, ...tf.Tensor[]];
    m.assign(m2);
    v.assign(v2);
    return next;
  }

  /** One parameter tensor at a time; parameters without a gradient are skipped. */
  private tensorStep(grads: Gradients, s: StepScalars): void {
    this.splitMoments();
    tf.tidy(() => {
      for (const [name, param] of this.params) {
        const g = gradientOf(grads, name);
        if (!g) continue;
        const m = this.expAvg.get(name);
        const v = this.expAvgSq.get(name);
        param.assign(this.update(param, g, m, v, this.decays(name), s));
      }
    });
  }

  /** Every parameter at once, as one flat vector per group (decayed or not). */
  private flatStep(grads: Gradients, s: StepScalars): void {
    const groups = this.flatMoments();
    // One tidy per group, so that a group's intermediates are freed before the next group's are made.
    for (const group of groups) {
      tf.tidy(() => {
        const params = group.names.map((name) => this.params.get(name) as tf.Variable);
        const gradients = group.names.map((name) => gradientOf(grads, name) as tf.Tensor);
        if (canFuse([...params, ...gradients], FUSED_KERNEL_NAMES.adam)) {
          // One kernel for the group, reading each parameter and gradient where it lies: no concatenation.
          const updated = this.fusedUpdate(params, gradients, group.m, group.v, group.decays, s);
          for (const [i, param] of params.entries()) param.assign(updated[i] as tf.Tensor);
          return;
        }
        const flatten = (get: (name: string) => tf.Tensor) =>
          tf.concat(group.names.map((name) => tf.reshape(get(name), [-1])));
        const g = flatten((name) => gradientOf(grads, name) as tf.Tensor);
        const p = flatten((name) => this.params.get(name) as tf.Variable);
        const updated = tf.split(this.update(p, g, group.m, group.v, group.decays, s), group.sizes);
        group.names.forEach((name, i) => {
          const param = this.params.get(name) as tf.Variable;
          param.assign(tf.reshape(updated[i] as tf.Tensor, param.shape));
        });
      });
    }
  }

  /** The moments as flat groups, built from the per-tensor buffers the first time. */
  private flatMoments(): FlatGroup[] {
    if (this.flat) return this.flat;
    const byDecay = new Map<boolean, string[]>();
    for (const name of this.params.keys()) {
      const key = this.decays(name);
      byDecay.set(key, [...(byDecay.get(key) ?? []), name]);
    }
    // Each decay group is cut, in parameter order, into runs of at most MAX_FLAT_GROUP_FLOATS floats.
    const chunks: [boolean, string[]][] = [];
    for (const [decays, names] of byDecay) {
      let run: string[] = [];
      let floats = 0;
      for (const name of names) {
        const size = (this.params.get(name) as tf.Variable).size;
        if (run.length > 0 && floats + size > MAX_FLAT_GROUP_FLOATS) {
          chunks.push([decays, run]);
          run = [];
          floats = 0;
        }
        run.push(name);
        floats += size;
      }
      if (run.length > 0) chunks.push([decays, run]);
    }
    this.flat = chunks.map(([decays, names]) => {
      const join = (set: BufferSet) =>
        tf.tidy(() => tf.variable(tf.concat(names.map((n) => tf.reshape(set.get(n), [-1]))), false));
      return {
        names,
        sizes: names.map((n) => (this.params.get(n) as tf.Variable).size),
        decays,
        m: join(this.expAvg),
        v: join(this.expAvgSq),
      };
    });
    this.expAvg.dispose();
    this.expAvgSq.dispose();
    return this.flat;
  }

  /** Moves flat moments back into per-tensor buffers (before a partial step, or to export state). */
  private splitMoments(): void {
    if (!this.flat) return;
    for (const group of this.flat) {
      for (const [flat, set] of [
        [group.m, this.expAvg],
        [group.v, this.expAvgSq],
      ] as const) {
        const pieces = tf.split(flat, group.sizes);
        group.names.forEach((name, i) => {
          const shape = (this.params.get(name) as tf.Variable).shape;
          set.set(
            name,
            tf.tidy(() => tf.variable(tf.reshape(pieces[i] as tf.Tensor, shape), false)),
          );
        });
        tf.dispose(pieces);
        flat.dispose();
      }
    }
    this.flat = null;
  }

  getState(): OptimizerState {
    this.splitMoments();
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
    this.splitMoments();
    this.expAvg.import(state.tensors);
    this.expAvgSq.import(state.tensors);
    this.steps = state.step;
  }

  dispose(): void {
    this.splitMoments();
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
