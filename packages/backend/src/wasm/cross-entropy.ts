/**
 * Fused mean cross-entropy for the wasm backend (kernels `MakemoreCrossEntropy` and
 * `MakemoreCrossEntropyGrad`, see src/fused-kernels.ts): the loss of every model here in one kernel each
 * way, where the composed ops take 13 forward (log-softmax, one-hot, the masked sum and the count) and 6
 * backward. A logits tensor is small next to the rest of a step (`[768, 65]` for a baby GPT, `[32, 27]`
 * for the lecture MLP), so these run in JavaScript on the heap, in float64, rounding once per output; what
 * they save is kernel launches, which bound small models.
 *
 *   loss = −Σ_valid log softmax(x_r)[t_r] / count,   count = #{r : 0 ≤ t_r < V}
 *   dx_r = (softmax(x_r) − onehot(t_r))·dy / count on valid rows, 0 on the others.
 *
 * Targets outside [0, V) (the ignore index mapped to −1) add nothing, as in the composed form; with no
 * valid target the loss is NaN, as PyTorch's.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput, wasmKernel } from './fused-kernel';
import { heapView, type WasmBackendInternals } from './heap';

type CrossEntropyArgs = {
  inputs: Partial<Record<'logits' | 'targets' | 'probs' | 'dy', TensorInfo>>;
  backend: WasmBackendInternals;
};

/** Rows and vocabulary of `[N, V]` scores, checked against `[N]` targets. */
function rowsOf(scores: TensorInfo, targets: TensorInfo, kernel: string): { rows: number; vocab: number } {
  const [rows, vocab] = scores.shape as [number, number];
  if (scores.shape.length !== 2 || targets.shape.length !== 1 || targets.shape[0] !== rows) {
    throw new Error(
      `${kernel}: expected logits [N, V] and targets [N], got [${scores.shape}] and [${targets.shape}]`,
    );
  }
  return { rows, vocab };
}

const validCount = (ts: Int32Array, vocab: number) =>
  ts.reduce((n, t) => (t >= 0 && t < vocab ? n + 1 : n), 0);

/** `[loss, probs]`: the mean loss (a scalar) and softmax(logits), kept for the gradient. */
function crossEntropy(args: CrossEntropyArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.crossEntropy;
  const logits = kernelInput(args.inputs, 'logits', kernel);
  const targets = kernelInput(args.inputs, 'targets', kernel, 'int32');
  const { rows, vocab } = rowsOf(logits, targets, kernel);
  const { backend } = args;
  const loss = backend.makeOutput([], 'float32');
  const probs = backend.makeOutput([rows, vocab], 'float32');
  const xs = heapView(backend, logits) as Float32Array;
  const ts = heapView(backend, targets) as Int32Array;
  const ps = heapView(backend, probs) as Float32Array;
  let total = 0;
  for (let r = 0, o = 0; r < rows; r++, o += vocab) {
    let top = -Infinity;
    for (let j = 0; j < vocab; j++) top = Math.max(top, xs[o + j] as number);
    let sum = 0;
    for (let j = 0; j < vocab; j++) sum += Math.exp((xs[o + j] as number) - top);
    const logSum = top + Math.log(sum);
    for (let j = 0; j < vocab; j++) ps[o + j] = Math.exp((xs[o + j] as number) - logSum);
    const t = ts[r] as number;
    if (t >= 0 && t < vocab) total += logSum - (xs[o + t] as number);
  }
  (heapView(backend, loss) as Float32Array)[0] = total / validCount(ts, vocab);
  return [loss, probs];
}

/** dlogits from the scalar upstream gradient, the forward pass's probabilities and the targets. */
function crossEntropyGrad(args: CrossEntropyArgs): TensorInfo {
  const kernel = FUSED_KERNELS.crossEntropyGrad;
  const dy = kernelInput(args.inputs, 'dy', kernel);
  const probs = kernelInput(args.inputs, 'probs', kernel);
  const targets = kernelInput(args.inputs, 'targets', kernel, 'int32');
  const { rows, vocab } = rowsOf(probs, targets, kernel);
  const { backend } = args;
  const dx = backend.makeOutput([rows, vocab], 'float32');
  const ps = heapView(backend, probs) as Float32Array;
  const ts = heapView(backend, targets) as Int32Array;
  const dxs = heapView(backend, dx) as Float32Array;
  const scale = ((heapView(backend, dy) as Float32Array)[0] as number) / validCount(ts, vocab);
  for (let r = 0, o = 0; r < rows; r++, o += vocab) {
    const t = ts[r] as number;
    const valid = t >= 0 && t < vocab;
    for (let j = 0; j < vocab; j++)
      dxs[o + j] = valid ? ((ps[o + j] as number) - (j === t ? 1 : 0)) * scale : 0;
  }
  return dx;
}

/** The two cross-entropy kernels for the wasm backend. */
export const crossEntropyWasmConfigs: KernelConfig[] = [
  wasmKernel(FUSED_KERNELS.crossEntropy, crossEntropy),
  wasmKernel(FUSED_KERNELS.crossEntropyGrad, crossEntropyGrad),
];
