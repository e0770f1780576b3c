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
 */
export const FUSED_KERNELS = {
  gelu: 'MakemoreGelu',
  geluGrad: 'MakemoreGeluGrad',
  layerNorm: 'MakemoreLayerNorm',
  layerNormGrad: 'MakemoreLayerNormGrad',
} as const;

/** GELU's two forms: `'none'` is the exact x·Φ(x), `'tanh'` the approximation (PyTorch's names). */
export type GeluApproximation = 'none' | 'tanh';
