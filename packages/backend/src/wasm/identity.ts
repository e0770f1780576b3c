/**
 * A zero-copy `Identity` for the wasm backend.
 *
 * The stock 4.22 kernel allocates a new buffer and copies the tensor into it. Autodiff and variables call
 * Identity a lot (about 230 times per baby-GPT training step, most on activations), and tensors are
 * immutable, so a copy buys nothing. This kernel shares the input's buffer and bumps its reference count,
 * which is what the cpu backend's Identity does; the buffer is freed when the last holder is disposed.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { replacingStock } from './replace-stock';

type IdentityArgs = { inputs: { x?: TensorInfo }; backend: { incRef(dataId: object): void } };

/** Builds the repaired kernel; `stock` still handles strings, which do not live in the wasm heap. */
export function makeSharedIdentity(stock: KernelFunc): KernelFunc {
  return ((args: IdentityArgs): TensorInfo => {
    const { x } = args.inputs;
    if (x === undefined) throw new Error('Identity needs input x');
    if (x.dtype === 'string') return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }) as unknown as KernelFunc;
}

/** The repaired kernel config, wrapping `stock` (the registered wasm Identity config). */
export function sharedIdentityWasmConfig(stock: KernelConfig): KernelConfig {
  return replacingStock(stock, makeSharedIdentity(stock.kernelFunc));
}
