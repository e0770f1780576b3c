/**
 * A repaired kernel config that takes the place of a stock wasm one. The stock `setupFunc` binds the C++
 * entry point the stock kernel function calls, and it must still run whenever the backend is (re)selected:
 * every repair keeps the stock kernel function for the cases it leaves to it.
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

/** `kernelFunc` registered under `stock`'s kernel name on wasm, with `stock`'s setup and dispose. */
export const replacingStock = (stock: KernelConfig, kernelFunc: KernelFunc): KernelConfig => ({
  kernelName: stock.kernelName,
  backendName: 'wasm',
  ...(stock.setupFunc ? { setupFunc: stock.setupFunc } : {}),
  ...(stock.disposeFunc ? { disposeFunc: stock.disposeFunc } : {}),
  kernelFunc,
});
