/**
 * A correct and fast `_FusedMatMul` (matmul + bias + activation, what `tf.fused.matMul` runs) for wasm.
 *
 * The stock 4.22 kernel gives wrong results with a bias when `transposeB` is set and there is more than one
 * row (the layout of a Linear layer with [out, in] weights), and like `BatchMatMul` it is slow for
 * transposed or batched operands. Here float32 products run on our SIMD gemm (./gemm), which adds a
 * bias row in the same pass; the activation is the wasm activation kernel. Without the gemm module,
 * plain batch-1 products keep the stock kernel (which fuses bias and activation into XNNPACK) and every
 * other case is computed as y = activation(BatchMatMul(a, b) + bias) with the repaired `BatchMatMul`.
 */
import {
  Add,
  BatchMatMul,
  Elu,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  LeakyRelu,
  Prelu,
  Relu,
  Relu6,
  Sigmoid,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { wasmGemm } from './gemm/gemm';
import { gemmMatMul, productShape } from './gemm/mat-mul';
import type { WasmBackendInternals } from './heap';
import { replacingStock } from './replace-stock';

type Attrs = { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
type Inputs = { a?: TensorInfo; b?: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };

const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

function kernel(name: string): KernelFunc {
  const k = getKernel(name, 'wasm');
  if (k === undefined) throw new Error(`wasm repair: the wasm ${name} kernel is not registered`);
  return k.kernelFunc;
}

const ACTIVATIONS: Record<string, string> = {
  relu: Relu,
  relu6: Relu6,
  elu: Elu,
  sigmoid: Sigmoid,
  leakyrelu: LeakyRelu,
  prelu: Prelu,
};

/** Builds the repaired kernel around the stock one (kept for the plain batch-1 case). */
export function makeFastFusedMatMul(stock: KernelFunc): KernelFunc {
  return ((args: { inputs: Inputs; backend: WasmBackendInternals; attrs: Attrs }): TensorInfo => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const { backend, attrs } = args;
    if (a === undefined || b === undefined) throw new Error('_FusedMatMul needs inputs a and b');
    const { k, n } = productShape(a, b, attrs.transposeA, attrs.transposeB);
    const gemm = a.dtype === 'float32' && b.dtype === 'float32' ? wasmGemm(backend) : null;
    // A product over an empty inner dimension goes the long way: XNNPACK refuses it (see BatchMatMul).
    const plain =
      gemm === null &&
      k !== 0 &&
      !attrs.transposeA &&
      !attrs.transposeB &&
      sizeOf(a.shape.slice(0, -2)) === 1 &&
      sizeOf(b.shape.slice(0, -2)) === 1;
    if (plain || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const activation = attrs.activation ?? 'linear';
    if (activation !== 'linear' && ACTIVATIONS[activation] === undefined) {
      throw new Error(`_FusedMatMul: activation '${activation}' is not supported on wasm`);
    }
    // Our gemm adds a bias row in the same pass; other bias shapes (and the XNNPACK route) add it after.
    const rowBias =
      gemm !== null &&
      bias !== undefined &&
      bias.dtype === 'float32' &&
      sizeOf(bias.shape) === n &&
      bias.shape[bias.shape.length - 1] === n;
    let out =
      gemm !== null
        ? gemmMatMul(gemm, backend, a, b, attrs.transposeA, attrs.transposeB, rowBias ? bias : undefined)
        : (kernel(BatchMatMul)({
            inputs: { a, b },
            backend,
            attrs: { transposeA: attrs.transposeA, transposeB: attrs.transposeB },
          }) as TensorInfo);
    const replace = (next: TensorInfo) => {
      backend.disposeData(out.dataId);
      out = next;
    };
    if (bias !== undefined && !rowBias) {
      replace(kernel(Add)({ inputs: { a: out, b: bias }, backend }) as TensorInfo);
    }
    if (activation === 'prelu') {
      replace(kernel(Prelu)({ inputs: { x: out, alpha: preluActivationWeights }, backend }) as TensorInfo);
    } else if (activation === 'leakyrelu') {
      replace(
        kernel(LeakyRelu)({
          inputs: { x: out },
          backend,
          attrs: { alpha: attrs.leakyreluAlpha ?? 0.2 },
        }) as TensorInfo,
      );
    } else if (activation !== 'linear') {
      replace(kernel(ACTIVATIONS[activation]!)({ inputs: { x: out }, backend }) as TensorInfo);
    }
    return out;
  }) as unknown as KernelFunc;
}

/** The repaired kernel config, wrapping `stock` (the registered wasm _FusedMatMul config). */
export function fastFusedMatMulWasmConfig(stock: KernelConfig): KernelConfig {
  return replacingStock(stock, makeFastFusedMatMul(stock.kernelFunc));
}
