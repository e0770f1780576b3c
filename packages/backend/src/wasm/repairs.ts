/**
 * Installs (and removes) our repairs of tfjs-backend-wasm 4.22 through tfjs's public kernel registry:
 *   - `UnsortedSegmentSum` is registered (the gradient of `gather`; stock wasm cannot train embeddings);
 *   - `OneHot` is replaced: the stock kernel writes int32 bits whatever `dtype` asks for;
 *   - `_FusedMatMul` is replaced: the stock kernel is wrong with a bias and `transposeB`;
 *   - `BatchMatMul` is replaced by a kernel that routes transposed and batched operands to XNNPACK's fast
 *     path, keeping the stock kernel function to call;
 *   - `Transpose` is replaced by a kernel that collapses the permutation to rank ≤ 4 for the stock kernel,
 *     or copies whole rows itself (the stock rank-5 loop is ~40 % of a GPT step);
 *   - `Identity` shares the input's buffer (reference counted, as on cpu) instead of copying it.
 * All act on the `wasm` backend only, so code that uses another backend sees no change. The repairs
 * need the wasm kernels to be registered first: import `@tensorflow/tfjs-backend-wasm` before calling.
 */
import {
  BatchMatMul,
  getKernel,
  Identity,
  type KernelConfig,
  OneHot,
  registerKernel,
  Transpose,
  UnsortedSegmentSum,
  unregisterKernel,
  _FusedMatMul,
} from '@tensorflow/tfjs-core';
import { fastBatchMatMulWasmConfig } from './batch-mat-mul';
import { fastFusedMatMulWasmConfig } from './fused-mat-mul';
import { sharedIdentityWasmConfig } from './identity';
import { oneHotWasmConfig } from './one-hot';
import { fastTransposeWasmConfig } from './transpose';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum';

/** Which repairs are in place. */
export interface WasmRepairState {
  unsortedSegmentSum: boolean;
  oneHot: boolean;
  batchMatMul: boolean;
  fusedMatMul: boolean;
  transpose: boolean;
  identity: boolean;
}

// The stock BatchMatMul config we replaced, so uninstall can put it back. Kept on globalThis so that two
// copies of this module (an ESM and a CJS build in one process) agree on what is installed.
const STOCK_KEY = Symbol.for('@makemore/backend:stockWasmBatchMatMul');
const STOCK_ONE_HOT = Symbol.for('@makemore/backend:stockWasmOneHot');
const STOCK_FUSED = Symbol.for('@makemore/backend:stockWasmFusedMatMul');
const STOCK_TRANSPOSE = Symbol.for('@makemore/backend:stockWasmTranspose');
const STOCK_IDENTITY = Symbol.for('@makemore/backend:stockWasmIdentity');
const REPAIRED = Symbol.for('@makemore/backend:repaired');
type Store = {
  [STOCK_KEY]?: KernelConfig;
  [STOCK_ONE_HOT]?: KernelConfig;
  [STOCK_FUSED]?: KernelConfig;
  [STOCK_TRANSPOSE]?: KernelConfig;
  [STOCK_IDENTITY]?: KernelConfig;
};
const store = globalThis as Store;

const isOurs = (k: KernelConfig | undefined) => k !== undefined && REPAIRED in k;
const mark = (k: KernelConfig): KernelConfig => Object.assign(k, { [REPAIRED]: true });

/**
 * Registers the wasm repairs. Idempotent. Throws when the wasm backend's kernels are not registered yet.
 * @returns which repairs are now installed
 */
export function installWasmRepairs(
  options: {
    unsortedSegmentSum?: boolean;
    oneHot?: boolean;
    batchMatMul?: boolean;
    fusedMatMul?: boolean;
    transpose?: boolean;
    identity?: boolean;
  } = {},
): WasmRepairState {
  const stockMatMul = getKernel(BatchMatMul, 'wasm');
  if (stockMatMul === undefined) {
    throw new Error(
      "installWasmRepairs: the wasm kernels are not registered. Import '@tensorflow/tfjs-backend-wasm' first.",
    );
  }
  if (options.unsortedSegmentSum !== false) {
    const existing = getKernel(UnsortedSegmentSum, 'wasm');
    // A later tfjs that ships its own kernel keeps it.
    if (existing === undefined) registerKernel(mark({ ...unsortedSegmentSumWasmConfig }));
  }
  const stockOneHot = getKernel(OneHot, 'wasm');
  if (options.oneHot !== false && stockOneHot !== undefined && !isOurs(stockOneHot)) {
    store[STOCK_ONE_HOT] = stockOneHot;
    unregisterKernel(OneHot, 'wasm');
    registerKernel(mark({ ...oneHotWasmConfig }));
  }
  const stockFused = getKernel(_FusedMatMul, 'wasm');
  if (options.fusedMatMul !== false && stockFused !== undefined && !isOurs(stockFused)) {
    store[STOCK_FUSED] = stockFused;
    unregisterKernel(_FusedMatMul, 'wasm');
    registerKernel(mark(fastFusedMatMulWasmConfig(stockFused)));
  }
  const stockTranspose = getKernel(Transpose, 'wasm');
  if (options.transpose !== false && stockTranspose !== undefined && !isOurs(stockTranspose)) {
    store[STOCK_TRANSPOSE] = stockTranspose;
    unregisterKernel(Transpose, 'wasm');
    registerKernel(mark(fastTransposeWasmConfig(stockTranspose)));
  }
  const stockIdentity = getKernel(Identity, 'wasm');
  if (options.identity !== false && stockIdentity !== undefined && !isOurs(stockIdentity)) {
    store[STOCK_IDENTITY] = stockIdentity;
    unregisterKernel(Identity, 'wasm');
    registerKernel(mark(sharedIdentityWasmConfig(stockIdentity)));
  }
  if (options.batchMatMul !== false && !isOurs(stockMatMul)) {
    store[STOCK_KEY] = stockMatMul;
    unregisterKernel(BatchMatMul, 'wasm');
    registerKernel(mark(fastBatchMatMulWasmConfig(stockMatMul)));
  }
  return wasmRepairState();
}

/** Removes the repairs and puts the stock kernels back (for benchmarks and tests). */
export function uninstallWasmRepairs(): WasmRepairState {
  if (isOurs(getKernel(UnsortedSegmentSum, 'wasm'))) unregisterKernel(UnsortedSegmentSum, 'wasm');
  const stockOneHot = store[STOCK_ONE_HOT];
  if (isOurs(getKernel(OneHot, 'wasm')) && stockOneHot !== undefined) {
    unregisterKernel(OneHot, 'wasm');
    registerKernel(stockOneHot);
  }
  const stockFused = store[STOCK_FUSED];
  if (isOurs(getKernel(_FusedMatMul, 'wasm')) && stockFused !== undefined) {
    unregisterKernel(_FusedMatMul, 'wasm');
    registerKernel(stockFused);
  }
  const stockTranspose = store[STOCK_TRANSPOSE];
  if (isOurs(getKernel(Transpose, 'wasm')) && stockTranspose !== undefined) {
    unregisterKernel(Transpose, 'wasm');
    registerKernel(stockTranspose);
  }
  const stockIdentity = store[STOCK_IDENTITY];
  if (isOurs(getKernel(Identity, 'wasm')) && stockIdentity !== undefined) {
    unregisterKernel(Identity, 'wasm');
    registerKernel(stockIdentity);
  }
  const stock = store[STOCK_KEY];
  if (isOurs(getKernel(BatchMatMul, 'wasm')) && stock !== undefined) {
    unregisterKernel(BatchMatMul, 'wasm');
    registerKernel(stock);
  }
  return wasmRepairState();
}

/** Which of our repairs are registered right now. */
export function wasmRepairState(): WasmRepairState {
  return {
    unsortedSegmentSum: isOurs(getKernel(UnsortedSegmentSum, 'wasm')),
    oneHot: isOurs(getKernel(OneHot, 'wasm')),
    batchMatMul: isOurs(getKernel(BatchMatMul, 'wasm')),
    fusedMatMul: isOurs(getKernel(_FusedMatMul, 'wasm')),
    transpose: isOurs(getKernel(Transpose, 'wasm')),
    identity: isOurs(getKernel(Identity, 'wasm')),
  };
}
