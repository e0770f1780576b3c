/**
 * Stochastic gradient descent with optional momentum and L2 weight decay, following the update PyTorch's
 * `torch.optim.SGD` documents (Sutskever et al. 2013 momentum, without dampening):
 *
 *   g ← g + λ·θ            (if weightDecay λ > 0)
 *   b ← μ·b + g            (b starts at zero, so it equals g after the first step; if μ > 0)
 *   θ ← θ − lr·b
 */
import { canFuse, FUSED_KERNEL_NAMES } from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import { BufferSet, throwIfProblems } from './buffers';
import {
  checkLr,
  type Gradients,
  gradientOf,
  type Optimizer,
  type OptimizerConfig,
  type OptimizerState,
} from './optimizer';

/** Options for {@link SGD}. */
export interface SGDOptions {
  /** Base learning rate (default 0.1, the lecture's). */
  lr?: number;
  /** Momentum μ in [0, 1) (default 0: plain SGD). */
  momentum?: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay?: number;
}

/** SGD, the optimizer of the makemore lectures. */
export class SGD implements Optimizer {
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  private steps = 0;
  private readonly velocity: BufferSet;

  constructor(
    private readonly params: Map<string, Variable>,
    options: SGDOptions = {},
  ) {
    this.lr = checkLr(options.lr ?? 0.1, 'SGD');
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new RangeError(`SGD: momentum must be in [0, 1), got ${options.momentum}`);
    }
    if (!(this.weightDecay >= 0))
      throw new RangeError(`SGD: weightDecay must be >= 0, got ${options.weightDecay}`);
    this.velocity = new BufferSet('momentum_buffer', params);
  }

  get stepCount(): number {
    return this.steps;
  }

  config(): OptimizerConfig {
    return { type: 'sgd', lr: this.lr, momentum: this.momentum, weightDecay: this.weightDecay };
  }

  step(grads: Gradients, lr = this.lr): void {
    checkLr(lr, 'SGD.step');
    tf.tidy(() => {
      for (const [name, param] of this.params) {
        let g = gradientOf(grads, name);
        if (!g) continue;
        if (this.weightDecay === 0 && this.momentum === 0 && canFuse([param, g], FUSED_KERNEL_NAMES.sgd)) {
          // The backend's one-kernel θ − g·lr: the same float32 operations.
          param.assign(
            tf.engine().runKernel(FUSED_KERNEL_NAMES.sgd, { param, grad: g }, { lr }) as tf.Tensor,
          );
          continue;
        }
        if (this.weightDecay > 0) g = tf.add(g, tf.mul(param, this.weightDecay));
        if (this.momentum > 0) {
          const buffer = this.velocity.get(name);
          buffer.assign(tf.add(tf.mul(buffer, this.momentum), g));
          g = buffer;
        }
        param.assign(tf.sub(param, tf.mul(g, lr)));
      }
    });
    this.steps++;
  }

  getState(): OptimizerState {
    const tensors = {};
    this.velocity.export(tensors);
    return { config: this.config(), step: this.steps, tensors };
  }

  setState(state: OptimizerState): void {
    const problems: string[] = [];
    if (state.config.type !== 'sgd') problems.push(`state is for '${state.config.type}', not 'sgd'`);
    this.velocity.check(state.tensors, problems);
    throwIfProblems(problems, 'SGD');
    this.velocity.import(state.tensors);
    this.steps = state.step;
  }

  dispose(): void {
    this.velocity.dispose();
  }
}
