/**
 * Mean cross-entropy between logits and integer targets, skipping an ignore index, as
 * `F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)` in makemore.py.
 *
 * Three equivalent implementations, because op count dominates small models' step time
 * (see the package bench):
 * - `fused` (default): one custom-gradient op. Forward log-softmax + one-hot dot product; backward is
 *   the closed form (softmax − onehot) / count, which skips differentiating log-softmax op by op. On a
 *   backend with the fused cross-entropy kernels (@makemore/backend's wasm) it is one kernel each way.
 * - `one-hot`: `-sum(logSoftmax(logits) * oneHot(targets)) / count`, autodiff through every op.
 * - `gather`: picks log-probabilities with a flat `gather`; its gradient needs `UnsortedSegmentSum`.
 *
 * Targets equal to `ignoreIndex` add nothing and are not counted, so the mean is over valid targets
 * (NaN when every target is ignored, as in PyTorch).
 */
import * as tf from '@tensorflow/tfjs-core';
import { canFuse, FUSED_KERNEL_NAMES as FUSED, runFused } from './fused-kernels';
import { assertGradientsRegistered } from './register-gradients';

/** Which implementation {@link crossEntropy} uses; all give the same value and gradient. */
export type CrossEntropyMethod = 'fused' | 'one-hot' | 'gather';

/** Options for {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** Targets equal to this add nothing to the loss (default -1, makemore.py's padding). */
  ignoreIndex?: number;
  /** Implementation (default `fused`). */
  method?: CrossEntropyMethod;
}

/**
 * Mean negative log-likelihood of `targets [...]` under `logits [..., V]`.
 * Returns a scalar; the caller owns it. Intermediates are freed.
 */
export function crossEntropy(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: CrossEntropyOptions = {},
): tf.Scalar {
  assertGradientsRegistered();
  const ignoreIndex = options.ignoreIndex ?? -1;
  const method = options.method ?? 'fused';
  const vocab = logits.shape[logits.shape.length - 1] as number;
  if (targets.size * vocab !== logits.size) {
    throw new Error(
      `crossEntropy: targets shape [${targets.shape}] does not match logits shape [${logits.shape}] ` +
        '(targets must have the logits shape without the last axis)',
    );
  }
  return tf.tidy(() => {
    const flatLogits = tf.reshape(logits, [-1, vocab]) as tf.Tensor2D;
    const flatTargets = validTargets(targets, vocab, ignoreIndex);
    if (method === 'gather') {
      const valid = tf.logicalAnd(tf.greaterEqual(flatTargets, 0), tf.less(flatTargets, vocab));
      return gatherNll(flatLogits, flatTargets, valid, tf.sum(tf.cast(valid, 'float32')), vocab);
    }
    if (method === 'fused' && canFuse(flatLogits, FUSED.crossEntropy, FUSED.crossEntropyGrad)) {
      return nll(flatLogits, (x) => kernelCrossEntropy(x, flatTargets));
    }
    const oneHot = tf.oneHot(flatTargets, vocab, 1, 0, 'float32');
    // Valid targets are exactly the rows with a one: one kernel instead of five range checks.
    const count = tf.sum(oneHot);
    if (method === 'one-hot') {
      return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(flatLogits), oneHot))), count) as tf.Scalar;
    }
    return nll(flatLogits, (x) => composedCrossEntropy(x, oneHot, count));
  });
}

/** Targets as flat int32 ids, with `ignoreIndex` mapped to -1 (out-of-range ids one-hot to a zero row). */
function validTargets(targets: tf.Tensor, vocab: number, ignoreIndex: number): tf.Tensor1D {
  const flat = tf.reshape(targets, [-1]);
  const ids = (flat.dtype === 'int32' ? flat : tf.cast(flat, 'int32')) as tf.Tensor1D;
  if (ignoreIndex < 0 || ignoreIndex >= vocab) return ids;
  return tf.where(tf.equal(ids, ignoreIndex), tf.fill(ids.shape, -1, 'int32'), ids) as tf.Tensor1D;
}

/** Flat int32 target ids `[N]`, with `ignoreIndex` and out-of-range ids all mapped outside [0, vocab). */
export function flatTargetIds(targets: tf.Tensor, vocab: number, ignoreIndex = -1): tf.Tensor1D {
  return tf.tidy(() => validTargets(targets, vocab, ignoreIndex));
}

/**
 * float32 one-hot rows `[N, vocab]` of flat `targets`; ignored and out-of-range targets get an all-zero
 * row, so `sum(oneHot)` counts the valid ones.
 */
export function targetOneHot(targets: tf.Tensor, vocab: number, ignoreIndex = -1): tf.Tensor2D {
  return tf.tidy(
    () => tf.oneHot(validTargets(targets, vocab, ignoreIndex), vocab, 1, 0, 'float32') as tf.Tensor2D,
  );
}

/**
 * A cross-entropy in closed form: the mean loss, the tensors its gradient needs (for the caller to save;
 * they outlive the forward pass's tidy only that way), and dlogits from those saved tensors. `crossEntropy`
 * wraps one as a custom-gradient op; the MLP's hand-written backward pass uses one directly.
 */
export interface CrossEntropyPart {
  loss: tf.Scalar;
  saved: tf.Tensor[];
  dlogits(dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor2D;
}

/**
 * On stock ops: loss = −Σ onehot · logsoftmax(logits) / count. d/dlogits is (softmax − onehot) / count on
 * valid rows; ignored rows have an all-zero one-hot and must get zero gradient, so the softmax term is
 * masked too. `count` defaults to the number of valid targets, the one-hot's non-zero rows.
 */
export function composedCrossEntropy(
  logits: tf.Tensor,
  oneHot: tf.Tensor,
  count: tf.Tensor = tf.sum(oneHot),
): CrossEntropyPart {
  const logp = tf.logSoftmax(logits);
  return {
    loss: tf.div(tf.neg(tf.sum(tf.mul(logp, oneHot))), count) as tf.Scalar,
    saved: [logp, oneHot, count],
    dlogits: (dy, [savedLogp, savedOneHot, savedCount]) => {
      const rowValid = tf.sum(savedOneHot as tf.Tensor, -1, true);
      const softmax = tf.mul(tf.exp(savedLogp as tf.Tensor), rowValid);
      return tf.mul(
        tf.sub(softmax, savedOneHot as tf.Tensor),
        tf.div(dy, savedCount as tf.Tensor),
      ) as tf.Tensor2D;
    },
  };
}

/**
 * The same on the backend's cross-entropy kernels (`canFuse` them first): one kernel each way instead of
 * 13 and 6. `ids` are int32 targets, ignored ones outside [0, vocab) (see {@link flatTargetIds}).
 */
export function kernelCrossEntropy(logits: tf.Tensor, ids: tf.Tensor): CrossEntropyPart {
  const [loss, probs] = runFused(FUSED.crossEntropy, { logits, targets: ids }, {}) as [tf.Scalar, tf.Tensor];
  return {
    loss,
    saved: [probs, ids],
    dlogits: (dy, [savedProbs, savedIds]) =>
      tf
        .engine()
        .runKernel(
          FUSED.crossEntropyGrad,
          { dy, probs: savedProbs as tf.Tensor, targets: savedIds as tf.Tensor },
          {},
        ) as tf.Tensor2D,
  };
}

/** `part` of the logits as one custom-gradient op. */
function nll(logits: tf.Tensor2D, part: (x: tf.Tensor) => CrossEntropyPart): tf.Scalar {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const p = part(x);
    save(p.saved);
    return { value: p.loss, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => p.dlogits(dy, saved) };
  });
  return f(logits) as tf.Scalar;
}

function gatherNll(
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
  valid: tf.Tensor,
  count: tf.Tensor,
  vocab: number,
): tf.Scalar {
  const n = targets.shape[0];
  const safe = tf.where(valid, targets, tf.zerosLike(targets));
  const flatIndex = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(vocab, 'int32')), safe);
  const picked = tf.gather(tf.reshape(tf.logSoftmax(logits), [-1]), flatIndex);
  return tf.div(tf.neg(tf.sum(tf.mul(picked, tf.cast(valid, 'float32')))), count) as tf.Scalar;
}
