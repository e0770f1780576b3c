/**
 * Token decoders: the per-model half of fast generation. A decoder holds whatever a model needs to
 * predict the next token of a batch of sequences without re-reading them: a transformer's keys and
 * values, a recurrent model's hidden state, BoW's running sum, a window model's last `blockSize` tokens.
 *
 *   prefill(rows)  starts from a batch of equally long token rows and returns the next-token logits;
 *   step(tokens)   appends one token to every row and returns the next logits;
 *   keepRows(ix)   drops the rows that have finished, so they stop costing work.
 *
 * A decoder never holds more than `capacity` tokens per row; the driver in generate.ts decides what to
 * do when a row would outgrow it (recompute the last window, or re-prefill from half of it).
 *
 * This file has the decoders that need nothing model-specific: {@link RecomputeDecoder}, which runs the
 * whole forward pass over the window on every step (the reference every cached decoder is tested
 * against), {@link WindowDecoder} for window models (the MLP and WaveNet of the lectures), and
 * {@link LastTokenDecoder} for models whose prediction depends on the last token only (bigrams).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LanguageModel } from './types';

/**
 * Next-token logits of B rows: a `[B, V]` tensor the caller owns, or B·V float64 values in row order
 * (a model that is plain JavaScript, such as the bigram count table).
 */
export type DecoderLogits = tf.Tensor2D | Float64Array;

/** Incremental next-token prediction for a batch of sequences that advance in lockstep. */
export interface TokenDecoder {
  /** Most tokens a row may hold; a longer context must be cropped and prefilled again. */
  readonly capacity: number;
  /**
   * Forgets any previous state and reads `rows` (B rows of equal length, 1 ≤ length ≤ capacity).
   * Returns the next-token logits `[B, vocabSize]`; the caller owns them.
   */
  prefill(rows: readonly (readonly number[])[]): DecoderLogits;
  /** Appends `tokens[b]` to row b (the rows must hold fewer than `capacity` tokens) → logits `[B, V]`. */
  step(tokens: readonly number[]): DecoderLogits;
  /** Keeps only the rows at `indices` (ascending), in that order. */
  keepRows(indices: readonly number[]): void;
  /** Frees the tensors the decoder holds. */
  dispose(): void;
}

/** Checks the rows handed to `prefill`: non-empty, equally long, within `capacity`. */
export function checkRows(rows: readonly (readonly number[])[], capacity: number): number {
  const length = rows[0]?.length ?? 0;
  if (rows.length === 0 || length === 0)
    throw new Error('prefill needs at least one row of at least one token');
  for (const row of rows) {
    if (row.length !== length) throw new Error('prefill needs rows of equal length');
  }
  if (length > capacity)
    throw new Error(`prefill: ${length} tokens exceed the decoder's capacity ${capacity}`);
  return length;
}

/** An int32 `[rows, length]` tensor of token ids. */
export function idsTensor(rows: readonly (readonly number[])[]): tf.Tensor2D {
  return tf.tensor2d(rows.flat(), [rows.length, rows[0]?.length ?? 0], 'int32');
}

/**
 * The reference decoder for sequence models: keeps the rows' tokens and runs `forward` over all of them
 * on every step, reading the last position. Slow (a full window per token) but exactly the model's
 * definition; generation with `cache: false` uses it, and the tests compare every cached decoder to it.
 */
export class RecomputeDecoder implements TokenDecoder {
  readonly capacity: number;
  private rows: number[][] = [];

  constructor(private readonly model: LanguageModel) {
    this.capacity = model.blockSize;
  }

  prefill(rows: readonly (readonly number[])[]): tf.Tensor2D {
    checkRows(rows, this.capacity);
    this.rows = rows.map((r) => [...r]);
    return this.logits();
  }

  step(tokens: readonly number[]): tf.Tensor2D {
    this.rows.forEach((row, b) => {
      row.push(tokens[b] as number);
    });
    if ((this.rows[0]?.length ?? 0) > this.capacity) throw new Error('step past the decoder capacity');
    return this.logits();
  }

  keepRows(indices: readonly number[]): void {
    this.rows = indices.map((i) => this.rows[i] as number[]);
  }

  dispose(): void {
    this.rows = [];
  }

  private logits(): tf.Tensor2D {
    return tf.tidy(() => {
      const T = this.rows[0]?.length as number;
      const logits = this.model.forward(idsTensor(this.rows)); // [B, T, V]
      const [B, , V] = logits.shape as [number, number, number];
      return tf.reshape(tf.slice(logits, [0, T - 1, 0], [B, 1, V]), [B, V]) as tf.Tensor2D;
    });
  }
}

/**
 * Window models (`inputKind: 'window'`): each prediction reads exactly the last `blockSize` tokens,
 * left-padded with the boundary token 0, so the state is that window and a step is one forward pass of
 * a fixed size. No window ever needs re-prefilling (`capacity` is infinite).
 */
export class WindowDecoder implements TokenDecoder {
  readonly capacity = Number.POSITIVE_INFINITY;
  private windows: number[][] = [];

  constructor(private readonly model: LanguageModel) {}

  prefill(rows: readonly (readonly number[])[]): tf.Tensor2D {
    checkRows(rows, this.capacity);
    const bs = this.model.blockSize;
    this.windows = rows.map((row) => {
      const tail = row.slice(-bs);
      return [...new Array<number>(bs - tail.length).fill(0), ...tail];
    });
    return this.logits();
  }

  step(tokens: readonly number[]): tf.Tensor2D {
    this.windows.forEach((w, b) => {
      w.shift();
      w.push(tokens[b] as number);
    });
    return this.logits();
  }

  keepRows(indices: readonly number[]): void {
    this.windows = indices.map((i) => this.windows[i] as number[]);
  }

  dispose(): void {
    this.windows = [];
  }

  private logits(): tf.Tensor2D {
    return tf.tidy(() => {
      const logits = this.model.forward(idsTensor(this.windows));
      return tf.reshape(logits, [this.windows.length, this.model.vocabSize]) as tf.Tensor2D;
    });
  }
}

/**
 * Models whose next-token logits depend on the last token alone (the neural bigram): a step is
 * `forward` on one token per row, whatever the context length.
 */
export class LastTokenDecoder implements TokenDecoder {
  readonly capacity = Number.POSITIVE_INFINITY;

  constructor(private readonly model: LanguageModel) {}

  prefill(rows: readonly (readonly number[])[]): tf.Tensor2D {
    checkRows(rows, this.capacity);
    return this.step(rows.map((r) => r[r.length - 1] as number));
  }

  step(tokens: readonly number[]): tf.Tensor2D {
    return tf.tidy(() => {
      const logits = this.model.forward(tf.tensor2d([...tokens], [tokens.length, 1], 'int32'));
      return tf.reshape(logits, [tokens.length, this.model.vocabSize]) as tf.Tensor2D;
    });
  }

  keepRows(): void {}

  dispose(): void {}
}
