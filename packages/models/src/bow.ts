/**
 * BoW: makemore.py's "bag of words" model. Each position is replaced by the mean of itself and every
 * earlier position (a causal average, i.e. attention with uniform weights), followed by a residual
 * MLP block with tanh, then a linear read-out:
 *
 *   x = wte(idx) + wpe(t);  x = x + mean_{s ≤ t} x_s;  x = x + c_proj(tanh(c_fc(x)));  logits = lm_head(x)
 *
 * Parameters: `wte.weight [V, nEmbd]`, `wpe.weight [blockSize, nEmbd]`,
 * `context_block.mlp.c_fc.weight [nEmbd2, nEmbd]` + bias, `context_block.mlp.c_proj.weight [nEmbd, nEmbd2]`
 * + bias, `lm_head.weight [V, nEmbd]` + bias. Buffer: `context_block.cbow.bias [1, blockSize, blockSize]`,
 * the lower-triangular mask, kept because makemore.py saves it (so PyTorch loads our weights strictly).
 */
import type { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { BaseLanguageModel, requirePositiveInt } from './layers/base-model';
import { Embedding } from './layers/embedding';
import { Linear } from './layers/linear';
import { Module } from './layers/module';
import { initRng } from './init';
import { checkSequenceInput, requireType } from './recurrent';
import type { ModelConfig } from './types';

/** Causal averaging: position t becomes the mean of positions 0..t. */
export class CausalBoW extends Module {
  /** `[1, blockSize, blockSize]` lower-triangular ones (buffer `bias`, as makemore.py names it). */
  readonly mask: tf.Variable;

  constructor(readonly blockSize: number) {
    super();
    this.mask = this.addBuffer('bias', tf.linalg.bandPart(tf.ones([1, blockSize, blockSize]), -1, 0));
  }

  /** `x [B, T, C]` → `[B, T, C]`. */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    const time = x.shape[1];
    const mask = tf.slice(this.mask, [0, 0, 0], [1, time, time]);
    // Row-normalised mask [1, T, T], broadcast over the batch: one batched matmul does all the means.
    const weights = tf.div(mask, tf.sum(mask, -1, true));
    return tf.matMul(weights as tf.Tensor3D, x);
  }
}

/** The MLP of the BoW block: `c_fc` (nEmbd → nEmbd2), tanh, `c_proj` (nEmbd2 → nEmbd). */
class BoWMlp extends Module {
  readonly cFc: Linear;
  readonly cProj: Linear;

  constructor(nEmbd: number, nEmbd2: number, rng: Rng) {
    super();
    this.cFc = this.addModule('c_fc', new Linear(nEmbd, nEmbd2, rng));
    this.cProj = this.addModule('c_proj', new Linear(nEmbd2, nEmbd, rng));
  }

  apply(x: tf.Tensor): tf.Tensor {
    return this.cProj.apply(tf.tanh(this.cFc.apply(x)));
  }
}

/** makemore.py's `BoWBlock`: residual causal average, then residual MLP. */
export class BoWBlock extends Module {
  readonly cbow: CausalBoW;
  readonly mlp: BoWMlp;

  constructor(blockSize: number, nEmbd: number, nEmbd2: number, rng: Rng) {
    super();
    this.cbow = this.addModule('cbow', new CausalBoW(blockSize));
    this.mlp = this.addModule('mlp', new BoWMlp(nEmbd, nEmbd2, rng));
  }

  apply(x: tf.Tensor3D): tf.Tensor3D {
    const y = tf.add(x, this.cbow.apply(x)) as tf.Tensor3D;
    return tf.add(y, this.mlp.apply(y)) as tf.Tensor3D;
  }
}

/** The config fields BoW reads, defaults filled in. */
export interface BoWConfig extends ModelConfig {
  type: 'bow';
  /** Embedding width (default 64). */
  nEmbd: number;
  /** MLP hidden width (default 64). */
  nEmbd2: number;
}

/** makemore.py's `--type bow`: `forward(idx [B, T]) → [B, T, V]`. Config: `nEmbd`, `nEmbd2` (64, 64). */
export class BoW extends BaseLanguageModel {
  readonly inputKind = 'sequence' as const;
  declare readonly config: BoWConfig;
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly contextBlock: BoWBlock;
  readonly lmHead: Linear;

  constructor(config: ModelConfig) {
    requireType(config, 'bow');
    const cfg = { ...config, nEmbd: config.nEmbd ?? 64, nEmbd2: config.nEmbd2 ?? 64 } as BoWConfig;
    requirePositiveInt('nEmbd', cfg.nEmbd);
    requirePositiveInt('nEmbd2', cfg.nEmbd2);
    super(cfg);
    const rng = initRng(cfg.seed);
    this.wte = this.addModule('wte', new Embedding(cfg.vocabSize, cfg.nEmbd, rng));
    this.wpe = this.addModule('wpe', new Embedding(cfg.blockSize, cfg.nEmbd, rng));
    this.contextBlock = this.addModule(
      'context_block',
      new BoWBlock(cfg.blockSize, cfg.nEmbd, cfg.nEmbd2, rng),
    );
    this.lmHead = this.addModule('lm_head', new Linear(cfg.nEmbd, cfg.vocabSize, rng));
  }

  forward(idx: tf.Tensor): tf.Tensor {
    const [, time] = checkSequenceInput(idx, this.blockSize, 'bow');
    return tf.tidy(() => {
      // Positions 0..T-1 are the first T rows of wpe: a slice, not a gather.
      const pos = tf.slice(this.wpe.weight, [0, 0], [time, this.config.nEmbd]);
      const x = tf.add(this.wte.apply(idx), pos) as tf.Tensor3D;
      return this.lmHead.apply(this.contextBlock.apply(x));
    });
  }
}
