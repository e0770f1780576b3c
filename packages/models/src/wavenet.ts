/**
 * WaveNet: the hierarchical model of Karpathy's "makemore part 5", after van den Oord et al. 2016
 * ("WaveNet: A Generative Model for Raw Audio"). Instead of squashing a whole window into one layer as
 * the MLP does, it fuses pairs of neighbouring positions at each level, so a window of 2^L tokens is
 * reduced to one vector by L layers:
 *
 *   x = wte(idx) [B, T, E];  repeat L times: x = tanh(BN(Linear(concat pairs of x)))  [B, T/2, H];
 *   logits = lm_head(x) [B, V]
 *
 * BatchNorm statistics are taken over the batch AND the remaining time positions (the lecture's fix
 * for a BatchNorm1d that saw 3-D input). The Linear layers have no bias when BatchNorm follows.
 *
 * It reads windows (`inputKind: 'window'`): `forward(idx [B, blockSize]) → [B, V]`, the next token after
 * each window. blockSize must be a power of two. Lecture defaults: blockSize 8, nEmbd 24, nHidden 128.
 *
 * Parameter names (defined here; no makemore.py original): `wte.weight [V, nEmbd]`,
 * `h.{i}.fc.weight [nHidden, 2·fanIn]` (fanIn = nEmbd for i = 0, else nHidden; plus `h.{i}.fc.bias` when
 * `batchNorm: false`), `h.{i}.bn.weight|bias [nHidden]`, buffers `h.{i}.bn.running_mean|running_var`,
 * `lm_head.weight [V, nHidden]`, `lm_head.bias [V]`. PyTorch's `h.{i}.bn.num_batches_tracked` is accepted
 * on load and ignored.
 */
import type { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { initRng } from './init';
import { BaseLanguageModel, requirePositiveInt } from './layers/base-model';
import { BatchNorm1d } from './layers/batch-norm';
import { Embedding } from './layers/embedding';
import { Linear } from './layers/linear';
import { Module, ModuleList } from './layers/module';
import { requireType } from './recurrent';
import type { ModelConfig } from './types';

/** One level: concatenate consecutive pairs, Linear, BatchNorm (optional), tanh. */
export class WaveNetLayer extends Module {
  readonly fc: Linear;
  readonly bn: BatchNorm1d | null;

  constructor(fanIn: number, nHidden: number, batchNorm: boolean, rng: Rng) {
    super();
    this.fc = this.addModule('fc', new Linear(2 * fanIn, nHidden, rng, { bias: !batchNorm }));
    this.bn = batchNorm ? this.addModule('bn', new BatchNorm1d(nHidden)) : null;
  }

  /** `x [B, T, C]` → `[B, T/2, nHidden]`. */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    const [batch, time, channels] = x.shape;
    // Row-major [B, T, C] → [B, T/2, 2C] puts positions 2k and 2k+1 side by side: a free reshape.
    const pairs = tf.reshape(x, [batch, time / 2, 2 * channels]);
    const y = this.fc.apply(pairs);
    return tf.tanh(this.bn ? this.bn.apply(y) : y) as tf.Tensor3D;
  }
}

/** The config fields WaveNet reads, defaults filled in. */
export interface WaveNetConfig extends ModelConfig {
  type: 'wavenet';
  /** Embedding width (default 24). */
  nEmbd: number;
  /** Width of every level (default 128). */
  nHidden: number;
  /** BatchNorm after each level's Linear (default true). */
  batchNorm: boolean;
  inputKind: 'window';
}

/** Lecture part 5's WaveNet. Config: `blockSize` (a power of two, 8), `nEmbd` (24), `nHidden` (128), `batchNorm` (true). */
export class WaveNet extends BaseLanguageModel {
  readonly inputKind = 'window' as const;
  declare readonly config: WaveNetConfig;
  readonly wte: Embedding;
  readonly h: ModuleList<WaveNetLayer>;
  readonly lmHead: Linear;

  constructor(config: ModelConfig) {
    requireType(config, 'wavenet');
    if (config.inputKind !== undefined && config.inputKind !== 'window') {
      throw new Error(
        `model config: wavenet reads fixed windows, so inputKind must be "window", got "${config.inputKind}"`,
      );
    }
    const cfg = {
      ...config,
      nEmbd: config.nEmbd ?? 24,
      nHidden: config.nHidden ?? 128,
      batchNorm: config.batchNorm ?? true,
      inputKind: 'window',
    } as WaveNetConfig;
    requirePositiveInt('nEmbd', cfg.nEmbd);
    requirePositiveInt('nHidden', cfg.nHidden);
    const levels = Math.log2(cfg.blockSize);
    if (!Number.isInteger(levels) || levels < 1) {
      throw new Error(
        `model config: wavenet fuses pairs of positions, so blockSize must be a power of two ≥ 2 (e.g. 8), got ${cfg.blockSize}`,
      );
    }
    super(cfg);
    const rng = initRng(cfg.seed);
    this.wte = this.addModule('wte', new Embedding(cfg.vocabSize, cfg.nEmbd, rng));
    const layers: WaveNetLayer[] = [];
    for (let i = 0; i < levels; i++) {
      layers.push(new WaveNetLayer(i === 0 ? cfg.nEmbd : cfg.nHidden, cfg.nHidden, cfg.batchNorm, rng));
    }
    this.h = this.addModule('h', new ModuleList(layers));
    this.lmHead = this.addModule('lm_head', new Linear(cfg.nHidden, cfg.vocabSize, rng));
    // The lecture scales the last layer down so the initial predictions are near uniform (loss ≈ ln V).
    tf.tidy(() => this.lmHead.weight.assign(tf.mul(this.lmHead.weight, 0.1)));
  }

  /** `idx [B, blockSize]` (int32) → logits `[B, vocabSize]` for the token after each window. */
  forward(idx: tf.Tensor): tf.Tensor {
    if (idx.rank !== 2 || idx.shape[1] !== this.blockSize) {
      throw new Error(
        `wavenet.forward: expected windows of shape [batch, ${this.blockSize}], got [${idx.shape}]; pad short contexts on the left with the boundary token`,
      );
    }
    if (idx.dtype !== 'int32') throw new Error(`wavenet.forward: token ids must be int32, got ${idx.dtype}`);
    return tf.tidy(() => {
      let x = this.wte.apply(idx) as tf.Tensor3D;
      for (const layer of this.h) x = layer.apply(x);
      return this.lmHead.apply(tf.reshape(x, [x.shape[0], this.config.nHidden]));
    });
  }
}
