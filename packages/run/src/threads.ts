/**
 * `backend.threads: 'auto'`: how many wasm threads a run gets, decided from the work of one training step.
 *
 * Why a rule and not "all cores": a second thread only pays when the step's matrix products are large.
 * With `threads` > 1 the wasm backend loads tfjs's threaded build, whose stock kernels (adds, slices,
 * reductions) are slower than the one-thread build's, and only products of at least 2²⁰ multiply-adds per
 * share are split over the helper threads. Small models pay the first cost and never collect the second:
 * makemore's small transformer (4L/64, block 16, batch 32) ran 10–25 % slower on two threads, the baby GPT
 * (4L/128, block 64, batch 12) 1.02–1.42× faster (BENCHMARKS.md, 2026-11-30).
 *
 * The measure is an estimate of the multiply-adds in one micro-batch's step, from the resolved spec alone
 * (the backend is chosen before the model exists): 3 × parameters × predictions per micro-batch (one
 * forward and two backward products per weight and prediction). The threshold between the two sides was
 * measured on a 2-vCPU VM by `bench/threads-auto.mts`, which prints 1- and 2-thread ms/step for models across
 * sizes with this estimate beside them; the figures and the choice are in the root BENCHMARKS.md.
 */
import { estimateMemory, type ModelConfig } from '@makemore/models';
import { TEXT_BLOCK_SIZE } from './defaults';
import type { RunSpec } from './spec';

/**
 * Estimated multiply-adds per step from which a run gets more than one wasm thread under `threads: 'auto'`.
 * Measured by bench/threads-auto.mts on a 2-vCPU VM (four runs, BENCHMARKS.md): under it a second thread lost
 * in 20 of 24 model-runs (down to 0.2×); from the baby GPT (1.9 G) up it won in 7 of 10 (1.07–1.85×).
 */
export const AUTO_THREADS_MIN_MULTIPLY_ADDS = 1.5e9;

/**
 * The most threads `'auto'` picks: the wasm build's pthread pool holds 8 workers (MAX_WASM_THREADS of
 * `@makemore/backend/node`), and the lent 16-core host measured the baby GPT fastest at 8.
 */
export const AUTO_THREADS_MAX = 8;

/** What {@link chooseThreads} decided, with its reason in words for a log line or a `start` event. */
export interface ThreadsChoice {
  /** The thread count to give the wasm backend. */
  threads: number;
  /** `'auto'` when the rule decided, `'spec'` when the spec named a number. */
  source: 'auto' | 'spec';
  /** The step's estimated multiply-adds ({@link estimatedMultiplyAdds}). */
  multiplyAdds: number;
  /** One sentence: the count and why. */
  reason: string;
}

/** The block size a spec's model will get, before the data is read (`'auto'` is decided by prepareRun). */
function blockSizeOf(spec: Pick<RunSpec, 'model' | 'data'>): number {
  const block = spec.model.blockSize;
  if (typeof block === 'number') return block;
  const window =
    spec.model.type === 'wavenet' || (spec.model.type === 'mlp' && spec.model.inputKind === 'window');
  if (window) return 3;
  // Word lists get the longest word + 1 (names: 16); text gets TEXT_BLOCK_SIZE.
  return spec.data.kind === 'words' || spec.data.dataset === 'names' || spec.data.dataset === 'verbs'
    ? 16
    : TEXT_BLOCK_SIZE;
}

/**
 * Estimated multiply-adds of one training step of a spec's model on one micro-batch: 3 × parameters ×
 * predictions (a window model predicts one token per row, a sequence model one per position). The vocabulary
 * is the tokenizer's when the spec names one (BPE), else 65 (a character set the size of tiny Shakespeare's).
 */
export function estimatedMultiplyAdds(spec: Pick<RunSpec, 'model' | 'data' | 'training'>): number {
  const blockSize = blockSizeOf(spec);
  const tokenizer = spec.data.tokenizer as { vocabSize?: number };
  const vocabSize =
    typeof spec.model.vocabSize === 'number'
      ? spec.model.vocabSize
      : typeof tokenizer.vocabSize === 'number'
        ? tokenizer.vocabSize
        : 65;
  const config = { ...spec.model, blockSize, vocabSize } as unknown as ModelConfig;
  const { params } = estimateMemory(config, spec.training.batchSize);
  const window =
    spec.model.type === 'wavenet' || (spec.model.type === 'mlp' && spec.model.inputKind === 'window');
  const predictions = spec.training.batchSize * (window ? 1 : blockSize);
  return 3 * params * predictions;
}

/**
 * Resolves a spec's `backend.threads`: a number is kept; `'auto'` gives min(cores, {@link AUTO_THREADS_MAX})
 * threads when the step's estimated multiply-adds reach {@link AUTO_THREADS_MIN_MULTIPLY_ADDS}, else 1.
 *
 * @param spec a resolved spec (only `model`, `data`, `training` and `backend` are read)
 * @param cores the cores this process may use (Node: `os.availableParallelism()`; a page:
 *   `navigator.hardwareConcurrency`)
 * @example
 * ```ts
 * const { threads, reason } = chooseThreads(spec, availableParallelism());
 * ```
 */
export function chooseThreads(
  spec: Pick<RunSpec, 'model' | 'data' | 'training' | 'backend'>,
  cores: number,
): ThreadsChoice {
  const multiplyAdds = estimatedMultiplyAdds(spec);
  const work = `${formatCount(multiplyAdds)} multiply-adds per step`;
  if (spec.backend.threads !== 'auto') {
    const threads = spec.backend.threads;
    return {
      threads,
      source: 'spec',
      multiplyAdds,
      reason: `${threads} thread${threads === 1 ? '' : 's'}, as asked`,
    };
  }
  const limit = formatCount(AUTO_THREADS_MIN_MULTIPLY_ADDS);
  const usable = Math.max(1, Math.min(Math.floor(cores) || 1, AUTO_THREADS_MAX));
  if (multiplyAdds < AUTO_THREADS_MIN_MULTIPLY_ADDS) {
    return {
      threads: 1,
      source: 'auto',
      multiplyAdds,
      reason: `1 thread: ${work}, under the ${limit} from which more threads were measured to help`,
    };
  }
  if (usable === 1) {
    return { threads: 1, source: 'auto', multiplyAdds, reason: `1 thread: ${work}, but only one core` };
  }
  return {
    threads: usable,
    source: 'auto',
    multiplyAdds,
    reason: `${usable} threads: ${work}, at least the ${limit} from which more threads were measured to help`,
  };
}

/** 1.2e9 → "1.2 G"; 3.4e7 → "34 M". */
function formatCount(n: number): string {
  if (n >= 1e9) return `${Number((n / 1e9).toPrecision(2))} G`;
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(2))} M`;
  if (n >= 1e3) return `${Number((n / 1e3).toPrecision(2))} k`;
  return String(Math.round(n));
}
