/**
 * Installs (and removes) our repairs of tfjs-backend-wasm 4.22 through tfjs's public kernel registry:
 *   - `UnsortedSegmentSum` is registered (the gradient of `gather`; stock wasm cannot train embeddings);
 *   - `OneHot` is replaced: the stock kernel writes int32 bits whatever `dtype` asks for;
 *   - `_FusedMatMul` is replaced: the stock kernel is wrong with a bias and `transposeB`;
 *   - `BatchMatMul` is replaced by a kernel that routes transposed and batched operands to XNNPACK's fast
 *     path, keeping the stock kernel function to call;
 *   - `Transpose` is replaced by a kernel that collapses the permutation to rank ≤ 4 for the stock kernel,
 *     or copies whole rows itself (the stock rank-5 loop is ~40 % of a GPT step);
 *   - `Identity` shares the input's buffer (reference counted, as on cpu) instead of copying it;
 *   - `Slice`, `SplitV` and `Unpack` copy only what they select (the stock ones copy the whole input out of
 *     the heap for every output);
 *   - `Tanh`, `Exp` and `Erf` are replaced by kernels on our own WebAssembly SIMD module (the stock ones call
 *     slow scalar libm functions, 8–20 ns per element), within 1–2 ulp of the correctly rounded result;
 *   - `GatherV2` is replaced by a kernel that checks indices in place and copies whole rows (the stock one
 *     copies the indices out of the heap and moves one element at a time);
 *   - `Sum` over leading axes (every bias and LayerNorm gradient) adds rows in place (the stock one
 *     transposes the input first);
 *   - fused GELU, LayerNorm, attention-softmax, attention, cross-entropy, optimizer-step and gradient-norm
 *     kernels are added (src/fused-kernels.ts), which @makemore/models and @makemore/trainer use in place of
 *     2–19 composed kernels each.
 * All act on the `wasm` backend only, so code that uses another backend sees no change. The repairs
 * need the wasm kernels to be registered first: import `@tensorflow/tfjs-backend-wasm` before calling.
 */
import {
  BatchMatMul,
  Erf,
  Exp,
  GatherV2,
  getKernel,
  Identity,
  type KernelConfig,
  OneHot,
  registerKernel,
  Slice,
  SplitV,
  Sum,
  Tanh,
  Transpose,
  UnsortedSegmentSum,
  Unpack,
  unregisterKernel,
  _FusedMatMul,
} from '@tensorflow/tfjs-core';
import { adamWasmConfig } from './adam';
import { attentionWasmConfigs } from './attention';
import { attentionStepWasmConfig } from './attention-step';
import { fastBatchMatMulWasmConfig } from './batch-mat-mul';
import { crossEntropyWasmConfigs } from './cross-entropy';
import { fastFusedMatMulWasmConfig } from './fused-mat-mul';
import { fastGatherV2WasmConfig } from './gather';
import { geluWasmConfigs } from './gelu';
import { sharedIdentityWasmConfig } from './identity';
import { layerNormWasmConfigs } from './layer-norm';
import { maskedSoftmaxWasmConfigs } from './masked-softmax';
import { oneHotWasmConfig } from './one-hot';
import { fastErfWasmConfig, fastExpWasmConfig } from './simd/elementwise';
import { fastSliceWasmConfigs } from './slice';
import { packedMatMulWasmConfig, packWeightWasmConfig } from './packed-mat-mul';
import { sgdWasmConfig } from './sgd';
import { squaredNormWasmConfig } from './squared-norm';
import { fastSumWasmConfig } from './sum';
import { fastTanhWasmConfig } from './tanh';
import { tanhGradWasmConfig } from './tanh-grad';
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
  slice: boolean;
  tanh: boolean;
  gather: boolean;
  exp: boolean;
  erf: boolean;
  sum: boolean;
  /** The fused kernels (src/fused-kernels.ts) that @makemore/models and /trainer use when registered. */
  fused: boolean;
}

/** One repair: the kernels it replaces (or adds) and how to build them from the stock configs. */
interface Repair {
  kernels: string[];
  /** Whether a stock kernel may be missing (the repair then adds it). */
  adds?: boolean;
  build(stock: (KernelConfig | undefined)[]): KernelConfig[];
}

const stockOf = (configs: (KernelConfig | undefined)[], i: number): KernelConfig => {
  const config = configs[i];
  if (config === undefined) throw new Error('wasm repair: a stock kernel is missing');
  return config;
};

const FUSED_CONFIGS = [
  ...geluWasmConfigs,
  ...layerNormWasmConfigs,
  ...maskedSoftmaxWasmConfigs,
  ...attentionWasmConfigs,
  attentionStepWasmConfig,
  ...crossEntropyWasmConfigs,
  tanhGradWasmConfig,
  squaredNormWasmConfig,
  adamWasmConfig,
  sgdWasmConfig,
  packWeightWasmConfig,
  packedMatMulWasmConfig,
];

const REPAIRS: Record<keyof WasmRepairState, Repair> = {
  unsortedSegmentSum: {
    kernels: [UnsortedSegmentSum],
    adds: true,
    build: () => [unsortedSegmentSumWasmConfig],
  },
  oneHot: { kernels: [OneHot], build: () => [oneHotWasmConfig] },
  fusedMatMul: { kernels: [_FusedMatMul], build: (s) => [fastFusedMatMulWasmConfig(stockOf(s, 0))] },
  transpose: { kernels: [Transpose], build: (s) => [fastTransposeWasmConfig(stockOf(s, 0))] },
  identity: { kernels: [Identity], build: (s) => [sharedIdentityWasmConfig(stockOf(s, 0))] },
  slice: {
    kernels: [Slice, SplitV, Unpack],
    build: (s) =>
      fastSliceWasmConfigs({ slice: stockOf(s, 0), splitV: stockOf(s, 1), unpack: stockOf(s, 2) }),
  },
  batchMatMul: { kernels: [BatchMatMul], build: (s) => [fastBatchMatMulWasmConfig(stockOf(s, 0))] },
  tanh: { kernels: [Tanh], build: (s) => [fastTanhWasmConfig(stockOf(s, 0))] },
  gather: { kernels: [GatherV2], build: (s) => [fastGatherV2WasmConfig(stockOf(s, 0))] },
  exp: { kernels: [Exp], build: (s) => [fastExpWasmConfig(stockOf(s, 0))] },
  erf: { kernels: [Erf], build: (s) => [fastErfWasmConfig(stockOf(s, 0))] },
  sum: { kernels: [Sum], build: (s) => [fastSumWasmConfig(stockOf(s, 0))] },
  fused: {
    kernels: FUSED_CONFIGS.map((config) => config.kernelName),
    adds: true,
    build: () => FUSED_CONFIGS,
  },
};

// The stock configs we replaced, so uninstall can put them back. Kept on globalThis so that two copies of
// this module (an ESM and a CJS build in one process) agree on what is installed.
const STOCK = Symbol.for('@makemore/backend:stockWasmKernels');
const REPAIRED = Symbol.for('@makemore/backend:repaired');
const store = globalThis as { [STOCK]?: Map<string, KernelConfig> };
const stockKernels = (): Map<string, KernelConfig> => {
  store[STOCK] ??= new Map();
  return store[STOCK];
};

const isOurs = (k: KernelConfig | undefined) => k !== undefined && REPAIRED in k;
const mark = (k: KernelConfig): KernelConfig => Object.assign({ ...k }, { [REPAIRED]: true });

/**
 * Registers the wasm repairs. Idempotent. Throws when the wasm backend's kernels are not registered yet.
 * Each repair can be turned off by passing `false` for it.
 * @returns which repairs are now installed
 */
export function installWasmRepairs(
  options: Partial<Record<keyof WasmRepairState, boolean>> = {},
): WasmRepairState {
  if (getKernel(BatchMatMul, 'wasm') === undefined) {
    throw new Error(
      "installWasmRepairs: the wasm kernels are not registered. Import '@tensorflow/tfjs-backend-wasm' first.",
    );
  }
  for (const [key, repair] of Object.entries(REPAIRS) as [keyof WasmRepairState, Repair][]) {
    if (options[key] === false) continue;
    const current = repair.kernels.map((name) => getKernel(name, 'wasm'));
    if (current.some(isOurs)) continue;
    // A later tfjs that ships a kernel we only add keeps its own.
    if (repair.adds && current.some((k) => k !== undefined)) continue;
    if (!repair.adds && current.some((k) => k === undefined)) continue;
    const built = repair.build(current);
    repair.kernels.forEach((name, i) => {
      const stock = current[i];
      if (stock !== undefined) {
        stockKernels().set(name, stock);
        unregisterKernel(name, 'wasm');
      }
      registerKernel(mark(built[i] as KernelConfig));
    });
  }
  return wasmRepairState();
}

/** Removes the repairs and puts the stock kernels back (for benchmarks and tests). */
export function uninstallWasmRepairs(): WasmRepairState {
  for (const repair of Object.values(REPAIRS)) {
    for (const name of repair.kernels) {
      if (!isOurs(getKernel(name, 'wasm'))) continue;
      unregisterKernel(name, 'wasm');
      const stock = stockKernels().get(name);
      if (stock !== undefined) registerKernel(stock);
    }
  }
  return wasmRepairState();
}

/** Which of our repairs are registered right now. */
export function wasmRepairState(): WasmRepairState {
  const state = {} as WasmRepairState;
  for (const [key, repair] of Object.entries(REPAIRS) as [keyof WasmRepairState, Repair][]) {
    state[key] = repair.kernels.every((name) => isOurs(getKernel(name, 'wasm')));
  }
  return state;
}
