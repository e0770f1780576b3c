/**
 * One optimisation step: forward, loss, gradients (reverse-mode autodiff through tf.variableGrads),
 * optional clipping by global norm, update. Everything it allocates is freed before it returns.
 */
import type { LanguageModel } from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import './register-gradients';
import { clipGradNorm, globalNorm } from './clip';
import type { Batch } from './data';
import type { Optimizer } from './optim/optimizer';

/** Options for {@link trainStep}. */
export interface TrainStepOptions {
  /** Learning rate for this step (default: the optimizer's `lr`). */
  lr?: number;
  /** Clip gradients to this global L2 norm (default: no clipping). */
  gradClip?: number;
  /** Targets equal to this are ignored (default −1). */
  ignoreIndex?: number;
}

/** What one step measured. */
export interface TrainStepResult {
  /** The batch loss before the update. */
  loss: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
}

/**
 * Runs one training step on `batch` and updates the model's parameters through `optimizer`.
 * The model is put in training mode for the step and left there. The batch stays owned by the caller.
 */
export async function trainStep(
  model: LanguageModel,
  optimizer: Optimizer,
  batch: Batch | readonly Batch[],
  options: TrainStepOptions = {},
): Promise<TrainStepResult> {
  if (!model.training) model.setTraining(true);
  const micro = isBatchList(batch) ? batch : [batch];
  if (micro.length === 0) throw new RangeError('trainStep: needs at least one batch');
  const params = model.parameters();
  // tf names variables globally; map those names back to the model's parameter names.
  const byVariableName = new Map<string, string>();
  for (const [name, v] of params) byVariableName.set(v.name, name);
  let value: tf.Scalar | undefined;
  let grads = new Map<string, Tensor>();
  // Gradient accumulation (nanoGPT's gradient_accumulation_steps): each micro-batch's loss is scaled by
  // 1/k, so the summed gradients are those of the mean loss over all k micro-batches.
  const scale = 1 / micro.length;
  for (const b of micro) {
    const { value: v, grads: raw } = tf.variableGrads(() => {
      const loss = model.loss(b.x, b.y, { ignoreIndex: options.ignoreIndex ?? -1 });
      return micro.length === 1 ? loss : tf.mul(loss, scale);
    }, [...params.values()]);
    const next = new Map<string, Tensor>();
    for (const [varName, g] of Object.entries(raw)) {
      const name = byVariableName.get(varName);
      if (name === undefined || !g) continue;
      const previous = grads.get(name);
      next.set(name, previous ? tf.add(previous, g) : g);
      if (previous) tf.dispose([previous, g]);
    }
    for (const [name, g] of grads) if (!next.has(name)) next.set(name, g);
    grads = next;
    const total: tf.Scalar = value ? tf.add(value, v) : v;
    if (value) tf.dispose([value, v]);
    value = total;
  }
  if (!value) throw new Error('trainStep: no loss was computed');
  let norm: tf.Scalar;
  let used = grads;
  // An optimizer that clips inside its update (AdamW's fused kernel) gets the norm itself.
  const clipInStep = options.gradClip !== undefined && optimizer.stepClipped !== undefined;
  if (options.gradClip !== undefined && !clipInStep) {
    const clipped = clipGradNorm(grads, options.gradClip);
    norm = clipped.norm;
    used = clipped.grads;
  } else {
    if (options.gradClip !== undefined && !(options.gradClip > 0))
      throw new RangeError(`clipGradNorm: maxNorm must be > 0, got ${options.gradClip}`);
    norm = globalNorm(grads);
  }
  try {
    if (clipInStep) optimizer.stepClipped?.(grads, norm, options.gradClip as number, options.lr);
    else optimizer.step(used, options.lr);
    const both = tf.stack([value, norm]);
    const [loss, gradNorm] = await both.data();
    both.dispose();
    return { loss: loss as number, gradNorm: gradNorm as number };
  } finally {
    tf.dispose([value, norm, ...grads.values(), ...(used === grads ? [] : used.values())]);
  }
}

function isBatchList(batch: Batch | readonly Batch[]): batch is readonly Batch[] {
  return Array.isArray(batch);
}
