/**
 * Picks the fastest exact {@link TokenDecoder} for a model: the KV cache for the transformer, carried
 * state for RNN, GRU, LSTM and BoW, the last token for bigrams, the window for window models, and for
 * anything else (makemore.py's sequence MLP, a model from outside this package) the decoder that
 * recomputes the window, which is also what `cache: false` asks for (the reference).
 */
import { BigramCounts } from './bigram-counts';
import { BigramNN } from './bigram-nn';
import { BoW } from './bow';
import { BoWDecoder } from './bow-decoder';
import { RecurrentModel } from './recurrent';
import { RecurrentDecoder } from './recurrent-decoder';
import {
  checkRows,
  LastTokenDecoder,
  RecomputeDecoder,
  type TokenDecoder,
  WindowDecoder,
} from './token-decoder';
import { Transformer } from './transformer';
import { TransformerKVDecoder } from './transformer-cache';
import type { LanguageModel } from './types';

/** Options for {@link createDecoder}. */
export interface CreateDecoderOptions {
  /** Use the model's incremental state (default true); false recomputes the window on every step. */
  cache?: boolean;
}

/** The decoder generation uses for `model`. */
export function createDecoder(
  model: LanguageModel | BigramCounts,
  options: CreateDecoderOptions = {},
): TokenDecoder {
  if (model instanceof BigramCounts) return new CountsDecoder(model);
  if (model.inputKind === 'window') return new WindowDecoder(model);
  if (options.cache === false) return new RecomputeDecoder(model);
  if (model instanceof Transformer) return new TransformerKVDecoder(model);
  if (model instanceof RecurrentModel) return new RecurrentDecoder(model);
  if (model instanceof BoW) return new BoWDecoder(model);
  if (model instanceof BigramNN) return new LastTokenDecoder(model);
  return new RecomputeDecoder(model);
}

/**
 * A count table's log-probabilities of the token after each row's last one, as float64 rows `[B·V]`
 * (no tensors: the table is plain JavaScript, and float64 keeps its samples what they always were).
 */
class CountsDecoder implements TokenDecoder {
  readonly capacity = Number.POSITIVE_INFINITY;

  constructor(private readonly model: BigramCounts) {}

  prefill(rows: readonly (readonly number[])[]): Float64Array {
    checkRows(rows, this.capacity);
    return this.step(rows.map((r) => r[r.length - 1] as number));
  }

  step(tokens: readonly number[]): Float64Array {
    const V = this.model.vocabSize;
    const values = new Float64Array(tokens.length * V);
    tokens.forEach((prev, b) => {
      values.set(this.model.rowProbabilities(prev).map(Math.log), b * V);
    });
    return values;
  }

  keepRows(): void {}

  dispose(): void {}
}
