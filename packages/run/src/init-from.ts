/**
 * Starting a new run from trained weights: fine-tuning (nanoGPT's `init_from`). A model imported from
 * Hugging Face GPT-2 or nanoGPT, or any run's checkpoint, becomes the first step of another run, on
 * other data, with a fresh optimizer and schedule.
 *
 * What the weights fix, the spec takes from them: the model's shape (every field of its config) and its
 * tokenizer (the ids the weights learned belong to it). What training decides stays the caller's: the
 * data and its split, the optimizer, the schedule, the step count, and two model fields that change how
 * it trains, not what it is: `dropout`, and a shorter `blockSize` for a transformer, whose position table
 * is then cut to its first rows (nanoGPT's `crop_block_size`: fine-tuning GPT-2 on windows of 256 instead
 * of 1,024 is four times cheaper per token in attention). Anything else the caller asks that disagrees
 * with the weights is refused, naming the field, instead of being quietly overwritten.
 */
import { estimateMemory, type LanguageModel, type ModelConfig } from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { fineTuneDefaults } from './defaults';
import { mergeSpec, RunSpecError, refuseOwnTokenizer } from './resolve';
import type { RunSpecInput } from './spec';
import type { RunTokenizer } from './prepare';

/** Trained weights to start a run from: what `makemore train --init-from` and the demo's "Fine-tune" load. */
export interface InitSource {
  /** Where the weights come from (a checkpoint folder, a saved model's name): recorded as `initFrom`. */
  from: string;
  /** The config the weights were built with. */
  model: ModelConfig;
  /** The tokenizer saved with them. */
  tokenizer: RunTokenizer;
  /** The weights by parameter name (makemore.py / nanoGPT names). The caller keeps ownership. */
  weights: Record<string, Tensor>;
}

/** Model fields a fine-tuning run may set differently from the weights' config. */
const TRAINING_FIELDS = new Set(['dropout', 'seed', 'blockSize']);

/** The name of a transformer's learned position table, which a shorter block size crops. */
const POSITION_TABLE = 'transformer.wpe.weight';

/**
 * The partial spec of a run that starts from `source`: `input` (a recipe, a config file, flags) over
 * `fineTuneDefaults` (nanoGPT's fine-tuning settings for a model of 10 M parameters or more, counted from
 * its config unless `source.params` says), with `initFrom` set and the model section replaced by the
 * weights' config. Throws a {@link RunSpecError}
 * naming the first model field of `input` that contradicts the weights (a different layer count, say),
 * a longer block size than they were trained with, or a tokenizer of its own.
 */
export function specForInit(
  input: RunSpecInput,
  source: Pick<InitSource, 'from' | 'model'> & { params?: number },
): RunSpecInput {
  const asked = (input.model ?? {}) as Record<string, unknown>;
  const own = source.model as Record<string, unknown>;
  for (const [field, value] of Object.entries(asked)) {
    if (value === undefined || TRAINING_FIELDS.has(field)) continue;
    if (JSON.stringify(value) !== JSON.stringify(own[field])) {
      throw new RunSpecError(
        `model.${field}`,
        `${JSON.stringify(value)} differs from the ${JSON.stringify(own[field] ?? 'unset')} of the weights in ${source.from}; a run that starts from them keeps their model: remove model.${field}`,
      );
    }
  }
  const blockSize = asked.blockSize;
  if (blockSize !== undefined && blockSize !== 'auto' && blockSize !== source.model.blockSize) {
    if (source.model.type !== 'transformer' || typeof blockSize !== 'number') {
      throw new RunSpecError(
        'model.blockSize',
        `${JSON.stringify(blockSize)} differs from the ${source.model.blockSize} of the weights in ${source.from}; only a transformer's block size can be cut shorter`,
      );
    }
    if (blockSize > source.model.blockSize) {
      throw new RunSpecError(
        'model.blockSize',
        `${blockSize} is longer than the ${source.model.blockSize} positions the weights in ${source.from} learned; use ${source.model.blockSize} or less`,
      );
    }
  }
  const model: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(own)) {
    if (value !== undefined && field !== 'seed') model[field] = value;
  }
  for (const field of TRAINING_FIELDS) {
    if (asked[field] !== undefined && asked[field] !== 'auto') model[field] = asked[field];
  }
  const { tokenizer, ...data } = input.data ?? {};
  refuseOwnTokenizer(tokenizer, source.from);
  return {
    ...mergeSpec(fineTuneDefaults(source.params ?? estimateMemory(source.model, 1).params), input),
    initFrom: source.from,
    data: { ...data, tokenizer: { type: 'init' } },
    model: model as RunSpecInput['model'],
  };
}

/**
 * Copies `source`'s weights into a freshly built `model` (the spec's, from {@link specForInit}),
 * cropping a transformer's position table to a shorter block size. Throws a {@link RunSpecError} on
 * `initFrom` that lists what does not fit.
 */
export function loadInitWeights(model: LanguageModel, source: InitSource): void {
  const weights = { ...source.weights };
  const table = weights[POSITION_TABLE];
  const cropped =
    table && table.shape[0] !== undefined && table.shape[0] > model.blockSize
      ? tf.slice(table, [0, 0], [model.blockSize, -1])
      : undefined;
  if (cropped) weights[POSITION_TABLE] = cropped;
  try {
    model.loadStateDict(weights);
  } catch (error) {
    throw new RunSpecError(
      'initFrom',
      `the weights in ${source.from} do not fit the run's model: ${(error as Error).message.replace(/\s*\n\s*/g, ' ')}`,
    );
  } finally {
    cropped?.dispose();
  }
}

/**
 * Refuses data with characters that the weights' tokenizer cannot encode (a character vocabulary trained
 * on names meets a hyphen in the verbs), listing them, before any batch is built.
 */
export function checkAlphabet(
  tokenizer: RunTokenizer,
  texts: Iterable<string>,
  from: string,
  dataset: string,
): void {
  const seen = new Set<string>();
  for (const text of texts) for (const ch of text) seen.add(ch);
  const unknown: string[] = [];
  for (const ch of seen) {
    try {
      tokenizer.encode(ch);
    } catch {
      unknown.push(ch);
    }
  }
  if (unknown.length === 0) return;
  const shown = unknown
    .slice(0, 8)
    .map(
      (ch) =>
        `${JSON.stringify(ch)} (U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`,
    )
    .join(', ');
  throw new RunSpecError(
    'data.dataset',
    `${dataset} has ${unknown.length} character${unknown.length === 1 ? '' : 's'} that the tokenizer of ${from} cannot encode: ${shown}${unknown.length > 8 ? ', …' : ''}; fine-tune on data within its alphabet, or train a new model without initFrom`,
  );
}
