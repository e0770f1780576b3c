/**
 * How much memory a model config needs to train with a given batch, estimated from the config alone,
 * before anything is allocated.
 *
 * Training holds four kinds of float32 data:
 *   parameters        the weights (counted from the config with the same defaults the models use)
 *   gradients         one float per parameter
 *   optimizer state   AdamW keeps two floats per parameter (m and v), SGD with momentum one
 *   activations       what the forward pass keeps for the backward pass: per layer a few [B, T, width]
 *                     tensors, attention scores [B, heads, T, T], and the logits [B, T, vocab] with
 *                     their softmax and gradient
 *
 * The activation count is an estimate. It was calibrated on the wasm backend against the measured peak
 * of `makemore train --model transformer` (names, block 16, nEmbd 64, 4 layers): batch 3000 peaked at
 * 2.25 GB resident and ran; batch 6000 and 12000 ran out of the 4 GiB heap ("memory access out of
 * bounds"). TensorFlow.js keeps about twice the forward pass's tensors at the peak of the backward pass
 * (the saved activations plus their gradients), which the per-model counts below include. It exists to
 * refuse configs that cannot fit (a wasm heap, a 2 GiB typed array, the machine's memory) with a clear
 * message, instead of letting the engine abort deep inside a kernel.
 * {@link checkMemoryFits} does that check; {@link MemoryLimitError} names the config fields to lower.
 */
import type { ModelConfig } from './types';

/** Bytes per float32 element. */
const F32 = 4;
/** The wasm backend's heap: 32-bit addresses, so at most 4 GiB. */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/**
 * What of the wasm heap a run can count on: the heap grows in steps and fragments, and the transformer
 * measured above failed at an estimated 3.8 GiB, so a quarter is kept in reserve.
 */
export const WASM_USABLE_BYTES = 3 * 1024 ** 3;
/** The largest typed array (and so the largest single tensor) this estimate assumes a JS engine allows. */
export const TYPED_ARRAY_BYTES = 2 * 1024 ** 3;

/** What {@link estimateMemory} returns; every size is in bytes. */
export interface MemoryEstimate {
  /** Trainable scalars the config gives (an estimate for models with many options). */
  params: number;
  paramBytes: number;
  gradientBytes: number;
  optimizerBytes: number;
  activationBytes: number;
  /** The largest single tensor of a training step. */
  largestTensorBytes: number;
  /** What that largest tensor is, e.g. `logits [B, T, vocab]`. */
  largestTensor: string;
  /** params + gradients + optimizer + activations. */
  totalBytes: number;
  /** The config fields (and `batchSize`) that grow the estimate most, the ones to lower first. */
  knobs: string[];
}

/** Options for {@link estimateMemory}. */
export interface EstimateMemoryOptions {
  /** The optimizer: AdamW keeps two floats per parameter, SGD with momentum one, plain SGD none. Default adamw. */
  optimizer?: 'adamw' | 'adam' | 'sgd' | 'momentum' | string;
}

/**
 * Estimates the memory of one training step of `config` with `batchSize` rows. Pure arithmetic on the
 * config (no tensors), safe on absurd sizes: the result may be Infinity but never throws on a number.
 */
export function estimateMemory(
  config: ModelConfig,
  batchSize: number,
  options: EstimateMemoryOptions = {},
): MemoryEstimate {
  const V = num(config.vocabSize, 27);
  const T = num(config.blockSize, 16);
  const B = num(batchSize, 1);
  let params: number;
  let activations: number;
  let largest: [number, string];
  let knobs: string[];
  const logits = B * T * V;
  switch (config.type) {
    case 'bigram':
    case 'bigram-nn': {
      params = V * V;
      activations = 6 * logits;
      largest = [Math.max(logits, V * V), logits >= V * V ? 'logits [B, T, vocab]' : 'table [vocab, vocab]'];
      knobs = ['batchSize', 'blockSize'];
      break;
    }
    case 'mlp': {
      const seq = (config.inputKind ?? 'window') === 'sequence';
      const E = num(config.nEmbd, seq ? 64 : 10);
      const H = num(config.nHidden ?? config.nEmbd2, seq ? 64 : 200);
      params = (V + 1) * E + T * E * H + H + H * V + V + (config.batchNorm ? 2 * H : 0);
      // A window model predicts one token per row; a sequence model one per position.
      const rows = seq ? B * T : B;
      activations = 2 * (rows * (T * E + 3 * H) + 3 * rows * V);
      largest = [Math.max(rows * V, rows * T * E), rows * V >= rows * T * E ? 'logits' : 'embeddings'];
      knobs = ['batchSize', 'blockSize', 'nEmbd', 'nHidden'];
      break;
    }
    case 'rnn':
    case 'gru':
    case 'lstm': {
      const E = num(config.nEmbd, 64);
      const E2 = num(config.nEmbd2, 64);
      const gates = config.type === 'rnn' ? 1 : config.type === 'gru' ? 3 : 4;
      params = V * E + E2 + gates * ((E + E2) * E2 + E2) + E2 * V + V;
      activations = 2 * (B * T * (E + gates * 3 * (E + E2)) + 3 * logits);
      largest = [logits, 'logits [B, T, vocab]'];
      knobs = ['batchSize', 'blockSize', 'nEmbd2'];
      break;
    }
    case 'bow': {
      const E = num(config.nEmbd, 64);
      const E2 = num(config.nEmbd2, 64);
      params = V * E + T * E + 2 * E * E2 + E + E2 + E * V + V;
      activations = 2 * (B * T * (6 * E + 2 * E2) + 2 * B * T * T + 3 * logits);
      largest = [
        Math.max(logits, B * T * T),
        logits >= B * T * T ? 'logits [B, T, vocab]' : 'weights [B, T, T]',
      ];
      knobs = ['batchSize', 'blockSize', 'nEmbd'];
      break;
    }
    case 'wavenet': {
      const E = num(config.nEmbd, 24);
      const H = num(config.nHidden, 128);
      const levels = Math.max(1, Math.ceil(Math.log2(Math.max(T, 2))));
      params = V * E + 2 * E * H + (levels - 1) * 2 * H * H + levels * 3 * H + H * V + V;
      activations = 2 * (B * (T * E + levels * 4 * T * H) + 3 * B * V);
      largest = [
        Math.max(B * V, B * T * H),
        B * V >= B * T * H ? 'logits [B, vocab]' : 'hidden [B, T, nHidden]',
      ];
      knobs = ['batchSize', 'blockSize', 'nEmbd', 'nHidden'];
      break;
    }
    case 'transformer': {
      const E = num(config.nEmbd, 64);
      const L = num(config.nLayer, 4);
      const heads = num(config.nHead, 4);
      const head = config.tieWeights ? 0 : E * V;
      params = V * E + T * E + L * (12 * E * E + 13 * E) + 2 * E + head;
      // Per block at the backward peak: ~34 [B, T, E]-sized tensors (norms, qkv and its head-split
      // copies, projections, the 4E MLP and its gelu, and their gradients) and four [B, heads, T, T]
      // (scores, mask, softmax, gradient); then the logits, their softmax and gradient.
      const scores = B * heads * T * T;
      activations = L * (34 * B * T * E + 4 * scores) + 6 * logits;
      const widest = Math.max(logits, scores, 4 * B * T * E);
      largest = [
        widest,
        widest === logits
          ? 'logits [B, T, vocab]'
          : widest === scores
            ? 'attention scores [B, heads, T, T]'
            : 'MLP hidden [B, T, 4·nEmbd]',
      ];
      knobs = ['batchSize', 'blockSize', 'nEmbd', 'nLayer'];
      break;
    }
    default: {
      const E = num(config.nEmbd, 64);
      params = 2 * V * E;
      activations = 2 * (8 * B * T * E + 3 * logits);
      largest = [logits, 'logits [B, T, vocab]'];
      knobs = ['batchSize', 'blockSize', 'nEmbd'];
    }
  }
  const optimizer = options.optimizer ?? 'adamw';
  const stateFloats = optimizer === 'sgd' ? 0 : optimizer === 'momentum' ? 1 : 2;
  const paramBytes = params * F32;
  const gradientBytes = paramBytes;
  const optimizerBytes = stateFloats * paramBytes;
  const activationBytes = activations * F32;
  return {
    params,
    paramBytes,
    gradientBytes,
    optimizerBytes,
    activationBytes,
    largestTensorBytes: Math.max(
      largest[0] * F32,
      paramBytes === 0 ? 0 : (largestParam(config, V) ?? 0) * F32,
    ),
    largestTensor: largest[1],
    totalBytes: paramBytes + gradientBytes + optimizerBytes + activationBytes,
    knobs,
  };
}

/** The largest weight matrix, which can outgrow every activation (e.g. a huge embedding). */
function largestParam(config: ModelConfig, V: number): number | undefined {
  const E = num(config.nEmbd, 64);
  const H = num(config.nHidden ?? config.nEmbd2, 64);
  if (config.type === 'transformer') return Math.max(V * E, 4 * E * E);
  if (config.type === 'bigram' || config.type === 'bigram-nn') return V * V;
  return Math.max(V * E, E * H, H * V);
}

/** A positive number from a config field, or the model's default when the field is absent. */
function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The limits {@link checkMemoryFits} checks against. */
export interface MemoryLimits {
  /** All training memory together (e.g. {@link WASM_HEAP_BYTES}, or the machine's free memory). */
  totalBytes: number;
  /** What the total limit is, for the message (e.g. "the wasm heap", "this machine's memory"). */
  totalLabel: string;
  /** The largest single tensor (default {@link TYPED_ARRAY_BYTES}). */
  tensorBytes?: number;
}

/** Thrown by {@link checkMemoryFits}: the config and batch need more memory than the limits allow. */
export class MemoryLimitError extends Error {
  constructor(
    readonly estimate: MemoryEstimate,
    /** `total` when the sum is too big, `tensor` when one tensor is. */
    readonly exceeded: 'total' | 'tensor',
    /** The limit that was exceeded, in bytes. */
    readonly limitBytes: number,
    /** What that limit is. */
    readonly limitLabel: string,
  ) {
    const e = estimate;
    const what =
      exceeded === 'tensor'
        ? `its largest tensor (${e.largestTensor}) alone needs about ${formatBytes(e.largestTensorBytes)}, more than ${limitLabel} (${formatBytes(limitBytes)})`
        : `training needs about ${formatBytes(e.totalBytes)} (weights ${formatBytes(e.paramBytes)}, gradients and optimizer state ${formatBytes(e.gradientBytes + e.optimizerBytes)}, activations ${formatBytes(e.activationBytes)}), more than ${limitLabel} (${formatBytes(limitBytes)})`;
    super(`this model and batch do not fit: ${what}; lower ${e.knobs.join(', ')}`);
    this.name = 'MemoryLimitError';
  }
}

/**
 * Throws a {@link MemoryLimitError} when `estimate` cannot fit `limits`; returns the estimate otherwise.
 * Callers that know their flag names can rebuild the message from the error's fields (`estimate.knobs`).
 */
export function checkMemoryFits(estimate: MemoryEstimate, limits: MemoryLimits): MemoryEstimate {
  const tensorBytes = limits.tensorBytes ?? TYPED_ARRAY_BYTES;
  const tensorLabel = 'the largest typed array';
  if (!(estimate.largestTensorBytes <= tensorBytes)) {
    throw new MemoryLimitError(estimate, 'tensor', tensorBytes, tensorLabel);
  }
  if (!(estimate.totalBytes <= limits.totalBytes)) {
    throw new MemoryLimitError(estimate, 'total', limits.totalBytes, limits.totalLabel);
  }
  return estimate;
}

/** Bytes as a short human figure: 512 B, 3.2 MiB, 12.0 GiB (Infinity and huge values as "more than 1 PiB"). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes >= 1024 ** 5) return 'more than 1 PiB';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}
