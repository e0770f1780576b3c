/**
 * Sampling text from any model: autoregressive generation, one token at a time, fast.
 *
 * Each step reads the model's next-token distribution, reshapes it with `temperature` and `topK`, and
 * draws from it with a seeded `@makemore/random` generator, so a seed gives the same tokens everywhere.
 * The model is switched to inference mode while sampling and restored afterwards.
 *
 * Speed comes from the model's {@link TokenDecoder} (create-decoder.ts): the transformer keeps a
 * key/value cache, recurrent models and BoW carry their state, so a token costs one position of work
 * instead of a full window. `n` samples run as ONE batch of n rows, and rows that draw `stopToken` leave
 * the batch, so they stop costing work.
 *
 * The window. A sequence model sees at most `blockSize` tokens, and a transformer's positions are
 * absolute, so a cache that is full cannot slide by one. Past `blockSize`:
 * - `window: 'exact'` (nanoGPT's semantics, and what generate always did): every prediction reads the
 *   last `blockSize` tokens at positions 0…blockSize-1, recomputed once the window is full (a prefill
 *   per token from then on);
 * - `window: 'shift'` (the default): when the window is full, start again from its last `blockSize / 2`
 *   tokens (one prefill) and continue cached; each prediction still sees at least half a window, at the
 *   cost of one prefill per `blockSize / 2` tokens.
 * Window models (the lectures' MLP, WaveNet) and bigrams read a fixed window, so both modes are the same
 * for them. `cache: false` recomputes every window from scratch: the reference the tests compare with.
 */
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { BigramCounts } from './bigram-counts';
import { createDecoder } from './create-decoder';
import type { DecoderLogits, TokenDecoder } from './token-decoder';
import type { LanguageModel } from './types';

/** Anything {@link generate} can sample from. */
export type SamplableModel = LanguageModel | BigramCounts;

/** What happens when a sequence model's context outgrows its `blockSize` (see the file's header). */
export type WindowMode = 'shift' | 'exact';

/** Options for {@link generate} and the streaming variants. */
export interface GenerateOptions {
  /** Starting tokens (default `[0]`, the boundary token that begins a word). */
  context?: readonly number[];
  /** How many tokens to draw at most (default 64). */
  maxNewTokens?: number;
  /** Divides the logits; < 1 sharpens, > 1 flattens, 0 always takes the most likely token (default 1). */
  temperature?: number;
  /** Sample only among the k most likely tokens (default: all). */
  topK?: number;
  /** Seed of the sampling generator (default 42). Ignored when `rng` is given. */
  seed?: number;
  /** A generator to draw from instead of a fresh seeded one (its state advances). */
  rng?: Rng;
  /** Stop when this token is drawn; it is not included in the output (default: none). */
  stopToken?: number;
  /** Past `blockSize`: `'shift'` (default, cached) or `'exact'` (the last blockSize tokens, recomputed). */
  window?: WindowMode;
  /** Use the model's cache or carried state (default true); false recomputes each window (the reference). */
  cache?: boolean;
  /** Stops generation early (the tokens drawn so far are kept). */
  signal?: AbortSignal;
}

/** Options for {@link generateBatch}. */
export interface GenerateBatchOptions extends GenerateOptions {
  /** Number of sequences, all continuing `context` (default 1). */
  n?: number;
}

/** Generates tokens and returns the new ones (the context is not included). Deterministic per seed. */
export function generate(model: SamplableModel, options: GenerateOptions = {}): number[] {
  return generateBatch(model, { ...options, n: 1 })[0] as number[];
}

/**
 * Generates `n` continuations of `context` as one batch and returns each one's new tokens. Each step
 * draws one token per unfinished row, in row order, from one generator, so `n: 1` is {@link generate}.
 * A row that draws `stopToken` leaves the batch.
 */
export function generateBatch(model: SamplableModel, options: GenerateBatchOptions = {}): number[][] {
  const run = new SamplingRun(model, options, options.n ?? 1);
  try {
    while (!run.finished) {
      const logits = run.nextLogits();
      run.accept(logits instanceof Float64Array ? logits : readSync(logits));
    }
    return run.outputs;
  } finally {
    run.close();
  }
}

/** Token ids as they are drawn, synchronously (`for…of`) or asynchronously (`for await…of`). */
export interface TokenStream extends Iterable<number>, AsyncIterable<number> {}

/**
 * Yields each token as soon as it is drawn. Iterate it with `for…of` (synchronous, the fastest) or
 * `for await…of`: the asynchronous form reads logits with `await data()` (a GPU backend does not block
 * the page) and gives the event loop a turn at least every 25 ms, so a Ctrl-C handler or a UI can run
 * and abort through `signal`.
 */
export function generateStream(model: SamplableModel, options: GenerateOptions = {}): TokenStream {
  return {
    [Symbol.iterator]: () => syncTokens(model, options),
    [Symbol.asyncIterator]: () => asyncTokens(model, options),
  };
}

/** The asynchronous form of {@link generateStream}, as an async generator. */
export function generateStreamAsync(
  model: SamplableModel,
  options: GenerateOptions = {},
): AsyncGenerator<number, void> {
  return asyncTokens(model, options);
}

function* syncTokens(model: SamplableModel, options: GenerateOptions): Generator<number, void> {
  const run = new SamplingRun(model, options, 1);
  try {
    while (!run.finished) {
      const logits = run.nextLogits();
      const [token] = run.accept(logits instanceof Float64Array ? logits : readSync(logits));
      if (token !== undefined && token !== options.stopToken) yield token;
    }
  } finally {
    run.close();
  }
}

async function* asyncTokens(model: SamplableModel, options: GenerateOptions): AsyncGenerator<number, void> {
  const run = new SamplingRun(model, options, 1);
  let turn = Date.now();
  try {
    while (!run.finished) {
      const logits = run.nextLogits();
      const [token] = run.accept(logits instanceof Float64Array ? logits : await readAsync(logits));
      if (token !== undefined && token !== options.stopToken) yield token;
      if (Date.now() - turn >= 25) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        turn = Date.now();
      }
    }
  } finally {
    run.close();
  }
}

function readSync(t: tf.Tensor2D): Float32Array {
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

async function readAsync(t: tf.Tensor2D): Promise<Float32Array> {
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

/**
 * One generation: the rows' tokens, the decoder, the window policy, the sampler. Call `nextLogits`
 * and `accept` in turn until `finished`, then `close`.
 */
class SamplingRun {
  /** Each unfinished row's whole context: the prompt and what it has drawn. */
  private rows: number[][];
  /** The new tokens of every row, in the caller's order. */
  readonly outputs: number[][];
  /** For each decoder row, its index in `outputs`. */
  private active: number[];
  private readonly decoder: TokenDecoder;
  private readonly maxNewTokens: number;
  private readonly sample: (logits: ArrayLike<number>) => number;
  private readonly restore: () => void;
  private readonly window: WindowMode;
  private readonly stopToken: number | undefined;
  private readonly signal: AbortSignal | undefined;
  /** Where the decoder's window starts in each row. */
  private windowStart = 0;
  /** True when the decoder must be prefilled before the next step (first call, or an empty context). */
  private needsPrefill = true;
  private drawn = 0;
  private readonly vocabSize: number;

  constructor(model: SamplableModel, options: GenerateOptions, n: number) {
    const maxNewTokens = options.maxNewTokens ?? 64;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
      throw new RangeError(`maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
    }
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
    const context = [...(options.context ?? [0])];
    for (const t of context) {
      if (!Number.isInteger(t) || t < 0 || t >= model.vocabSize) {
        throw new RangeError(`context token ${t} is outside the vocabulary [0, ${model.vocabSize})`);
      }
    }
    const window = options.window ?? 'shift';
    if (window !== 'shift' && window !== 'exact') {
      throw new RangeError(`window must be 'shift' or 'exact', got ${JSON.stringify(window)}`);
    }
    const temperature = options.temperature ?? 1;
    samplingProbabilities([0], temperature, options.topK); // validates both before any work
    const rng = options.rng ?? new Rng(options.seed ?? 42);
    this.sample = (logits) => rng.categorical(samplingProbabilities(logits, temperature, options.topK));
    this.maxNewTokens = maxNewTokens;
    this.window = window;
    this.stopToken = options.stopToken;
    this.signal = options.signal;
    this.vocabSize = model.vocabSize;
    this.rows = Array.from({ length: n }, () => [...context]);
    this.outputs = Array.from({ length: n }, () => []);
    this.active = Array.from({ length: n }, (_, i) => i);
    const lm = model instanceof BigramCounts ? null : model;
    const wasTraining = lm?.training ?? false;
    lm?.setTraining(false);
    this.restore = () => lm?.setTraining(wasTraining);
    this.decoder = createDecoder(model, { cache: options.cache ?? true });
  }

  get finished(): boolean {
    return this.active.length === 0 || this.drawn >= this.maxNewTokens || this.signal?.aborted === true;
  }

  /** The next-token logits of every unfinished row, in decoder order. */
  nextLogits(): DecoderLogits {
    const length = (this.rows[0] as number[]).length;
    const capacity = this.decoder.capacity;
    if (length === 0) {
      // An empty context: predict from the boundary token alone; the drawn token then starts afresh.
      this.needsPrefill = true;
      return this.decoder.prefill(this.rows.map(() => [0]));
    }
    if (this.needsPrefill) {
      this.needsPrefill = false;
      this.windowStart = Math.max(0, length - capacity);
      return this.prefill();
    }
    if (length - this.windowStart <= capacity) {
      return this.decoder.step(this.rows.map((r) => r[r.length - 1] as number));
    }
    // The window is full: recompute the last blockSize tokens, or restart from the last half of them.
    const keep = this.window === 'exact' ? capacity : Math.max(1, Math.floor(capacity / 2));
    this.windowStart = length - keep;
    return this.prefill();
  }

  /** Draws one token per unfinished row from `logits` (B·V values); returns them in decoder order. */
  accept(logits: ArrayLike<number> & { subarray(begin: number, end: number): ArrayLike<number> }): number[] {
    const V = this.vocabSize;
    const tokens = this.active.map((_, b) => this.sample(logits.subarray(b * V, (b + 1) * V)));
    this.drawn++;
    const keep: number[] = [];
    tokens.forEach((token, b) => {
      if (token === this.stopToken) return;
      (this.rows[b] as number[]).push(token);
      (this.outputs[this.active[b] as number] as number[]).push(token);
      keep.push(b);
    });
    if (keep.length < this.active.length) {
      this.rows = keep.map((b) => this.rows[b] as number[]);
      this.active = keep.map((b) => this.active[b] as number);
      if (keep.length > 0) this.decoder.keepRows(keep);
    }
    return tokens;
  }

  close(): void {
    this.decoder.dispose();
    this.restore();
  }

  private prefill(): DecoderLogits {
    return this.decoder.prefill(this.rows.map((r) => r.slice(this.windowStart)));
  }
}

/**
 * The model's next-token logits (log-probabilities for BigramCounts) given a context, after cropping
 * it to `blockSize` (and left-padding window models with token 0).
 */
export function nextTokenLogits(model: SamplableModel, context: readonly number[]): Float64Array {
  if (model instanceof BigramCounts) {
    const prev = context.length > 0 ? (context[context.length - 1] as number) : 0;
    return model.rowProbabilities(prev).map(Math.log);
  }
  const t = tf.tidy(() => lastLogitsTensor(model, context));
  const values = Float64Array.from(t.dataSync());
  t.dispose();
  return values;
}

/** Turns logits into probabilities with temperature and top-k (float64; 0 outside the top k). */
export function samplingProbabilities(
  logits: ArrayLike<number>,
  temperature = 1,
  topK?: number,
): Float64Array {
  const n = logits.length;
  const probs = new Float64Array(n);
  let cutoff = Number.NEGATIVE_INFINITY;
  if (topK !== undefined && topK < n) {
    if (!Number.isInteger(topK) || topK < 1)
      throw new RangeError(`topK must be a positive integer, got ${topK}`);
    cutoff = Array.from(logits)
      .sort((a, b) => b - a)
      .at(topK - 1) as number;
  }
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < n; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
    probs[best] = 1;
    return probs;
  }
  if (!(temperature > 0)) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if ((logits[i] as number) >= cutoff) max = Math.max(max, logits[i] as number);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const l = logits[i] as number;
    const p = l >= cutoff && l > Number.NEGATIVE_INFINITY ? Math.exp((l - max) / temperature) : 0;
    probs[i] = p;
    total += p;
  }
  for (let i = 0; i < n; i++) probs[i] = (probs[i] as number) / total;
  return probs;
}

function lastLogitsTensor(model: LanguageModel, context: readonly number[]): tf.Tensor {
  const bs = model.blockSize;
  let window = context.slice(-bs);
  if (model.inputKind === 'window') {
    window = [...new Array<number>(bs - window.length).fill(0), ...window];
    return tf.reshape(model.forward(tf.tensor2d(window, [1, bs], 'int32')), [-1]);
  }
  if (window.length === 0) window = [0];
  const logits = model.forward(tf.tensor2d(window, [1, window.length], 'int32')); // [1, T, V]
  const V = logits.shape[2] as number;
  return tf.reshape(tf.slice(logits, [0, window.length - 1, 0], [1, 1, V]), [-1]);
}
