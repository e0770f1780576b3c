/**
 * The fused kernels this package registers on the wasm backend, by name: the contract with
 * `@makemore/models`, whose `gelu` and `layerNorm` run through these kernels when the active backend has
 * them, and through composed TensorFlow.js ops otherwise. Each does in one pass over memory what the
 * composed ops do in 5 to 12, with the same float32 arithmetic.
 *
 * - `MakemoreGelu`: inputs `{ x }`, attrs `{ approximate: 'none' | 'tanh' }` → `[y, aux]`, where aux is
 *   Φ(x) (exact form) or tanh(√(2/π)·(x + 0.044715·x³)) (tanh form), kept for the gradient.
 * - `MakemoreGeluGrad`: inputs `{ dy, x, aux }`, same attrs → `dx`.
 * - `MakemoreLayerNorm`: inputs `{ x, weight, bias? }` (normalising the last axis), attrs `{ epsilon }` →
 *   `[y, mean, rstd]`, the last two of shape `[rows]`.
 * - `MakemoreLayerNormGrad`: inputs `{ dy, x, mean, rstd, weight }`, attrs `{ bias: boolean }` →
 *   `[dx, dweight]`, plus `dbias` when `bias` is true.
 * - `MakemoreMaskedSoftmax`: inputs `{ x, mask }` (x `[..., T, S]`, mask `[T, S]`), attrs `{ scale }` →
 *   softmax(x·scale + mask) over the last axis: attention's probabilities from raw scores.
 * - `MakemoreMaskedSoftmaxGrad`: inputs `{ dy, y }`, attrs `{ scale }` → the gradient with respect to x.
 * - `MakemoreAttention`: inputs `{ qkv [B, T, 3E], mask [T, T] }`, attrs `{ heads, scale }` → `[y [B, T, E],
 *   probs [B, H, T, T]]`: multi-head attention from a fused q, k, v projection (q, k, v side by side along
 *   the last axis, head h's columns h·D to (h + 1)·D of each, D = E / H), probs = softmax(q·kᵀ·scale + mask)
 *   per head and y the heads' probs·v side by side, as `[B, T, H, D]` reshaped.
 * - `MakemoreAttentionGrad`: inputs `{ dy, qkv, probs }`, attrs `{ heads, scale }` → dqkv `[B, T, 3E]`.
 * - `MakemoreAttentionStep`: inputs `{ qkv [B, 3E], keys [B, H, S, D], values [B, H, S, D] }`, attrs
 *   `{ heads, position, scale }` → y `[B, E]`: one query per row against a key/value cache (generation's
 *   cached step). It first WRITES this position's k and v (from qkv) into row `position` of `keys` and
 *   `values`, in place (the one kernel that changes its inputs: the caller owns the cache tensors and
 *   allocates them for this), then gives each head softmax(q·K[0…position]ᵀ·scale)·V[0…position].
 * - `MakemoreCrossEntropy`: inputs `{ logits [N, V], targets [N] int32 }` → `[loss, probs]`: the mean
 *   negative log-likelihood over targets in [0, V) (others are ignored) and softmax(logits).
 * - `MakemoreCrossEntropyGrad`: inputs `{ dy (scalar), probs, targets }` → dlogits.
 * - `MakemoreTanhGrad`: inputs `{ dy, y }` (y = tanh(x)) → dy·(1 − y²).
 * - `MakemoreSquaredNorm`: any number of float32 inputs (any names) → a scalar, Σ x² over all of them: the
 *   square of the global gradient norm.
 * - `MakemoreSgd`: inputs `{ param, grad }`, attrs `{ lr }` → param − grad·lr (plain SGD).
 * - `MakemorePackWeight`: inputs `{ weight [n, k] }` → the weight packed for our gemm, `[⌈n/8⌉·8·k]` (a
 *   Linear weight used as Wᵀ, packed once for the many one-row products of generation).
 * - `MakemorePackedMatMul`: inputs `{ x [m, k], packed, bias? [n], residual? [m, n], normWeight? [k],
 *   normBias? [k] }`, attrs `{ n, epsilon?, activation?: 'gelu' | 'gelu_tanh' }` →
 *   act(LN(x)·Wᵀ + bias) + residual `[m, n]`, with W packed by `MakemorePackWeight`; LN (LayerNorm of each
 *   row with normWeight, normBias and epsilon) only when normWeight is given, act (GELU, exact or tanh
 *   form) only when activation is. Each option is one kernel fewer in a generation step.
 * - `MakemoreAdam`: inputs `{ m, v, p0, g0, p1, g1, …, norm? }` (parameters, their gradients, and their
 *   moments back to back in the flat `m` and `v`), attrs {@link AdamStepAttrs} → `[m, v, p0, p1, …]` after
 *   one Adam/AdamW step, as `@makemore/trainer` composes it. With `norm` (the gradients' global L2 norm, a
 *   one-element tensor that stays on the device) and the attr `maxNorm`, every gradient is first clipped
 *   as `clipGradNorm` does: g·min(maxNorm / (norm + 1e-6), 1), in float32.
 */
export const FUSED_KERNELS = {
  gelu: 'MakemoreGelu',
  geluGrad: 'MakemoreGeluGrad',
  layerNorm: 'MakemoreLayerNorm',
  layerNormGrad: 'MakemoreLayerNormGrad',
  maskedSoftmax: 'MakemoreMaskedSoftmax',
  maskedSoftmaxGrad: 'MakemoreMaskedSoftmaxGrad',
  attention: 'MakemoreAttention',
  attentionGrad: 'MakemoreAttentionGrad',
  attentionStep: 'MakemoreAttentionStep',
  crossEntropy: 'MakemoreCrossEntropy',
  crossEntropyGrad: 'MakemoreCrossEntropyGrad',
  tanhGrad: 'MakemoreTanhGrad',
  squaredNorm: 'MakemoreSquaredNorm',
  adam: 'MakemoreAdam',
  sgd: 'MakemoreSgd',
  packWeight: 'MakemorePackWeight',
  packedMatMul: 'MakemorePackedMatMul',
} as const;

/**
 * The numbers of one Adam step: θ' = θ·decay, g' = g + θ·l2, m ← m·β1 + g'·(1 − β1),
 * v ← v·β2 + g'²·(1 − β2), θ ← θ' − (m / (√v / sqrtBias2 + eps))·size.
 */
export interface AdamStepAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 − β1ᵗ). */
  size: number;
  /** √(1 − β2ᵗ). */
  sqrtBias2: number;
  /** AdamW's 1 − lr·λ for decayed parameters, else 1. */
  decay: number;
  /** Adam's coupled L2 weight λ, else 0. */
  l2: number;
  /** With the input `norm`: clip the gradients to this global norm first (see `MakemoreAdam`). */
  maxNorm?: number;
}

/** The clipping factor min(maxNorm / (norm + 1e-6), 1), each operation rounded to float32 as tfjs's ops. */
export function clipScale(norm: number, maxNorm: number): number {
  const r = Math.fround;
  return Math.min(r(r(maxNorm) / r(r(norm) + r(1e-6))), 1);
}

/** GELU's two forms: `'none'` is the exact x·Φ(x), `'tanh'` the approximation (PyTorch's names). */
export type GeluApproximation = 'none' | 'tanh';
