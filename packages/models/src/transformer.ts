/**
 * Transformer: a GPT-2 style decoder (Radford et al. 2019, after Vaswani et al. 2017), as in
 * makemore.py and nanoGPT.
 *
 *   x = wte[idx] + wpe[0..T)                  token + learned position embeddings, dropout
 *   x = x + attn(ln_1(x))                      pre-LayerNorm causal self-attention, nLayer times,
 *   x = x + mlp(ln_2(x))                       then a GELU MLP of width 4·nEmbd
 *   logits = lm_head(ln_f(x))                  no bias; optionally tied to wte
 *
 * Attention computes q, k, v with ONE fused Linear (`c_attn`, 3·nEmbd outputs) and all heads at once
 * (`multiHeadAttention`: one fused kernel each way where the backend has it, else batched matmuls over
 * `[B, nHead, T, headDim]`), because small models are bound by the number of ops.
 *
 * Parameter names and shapes are exactly makemore.py's / nanoGPT's (`transformer.h.0.attn.c_attn.weight`
 * …), so their checkpoints load here and ours load there. The causal mask is not a parameter: it is
 * neither saved, nor required on load (a checkpoint's `attn.bias` mask buffer is ignored).
 *
 * Config defaults are makemore.py's: 4 layers, 4 heads, nEmbd 64, biases, tanh GELU, PyTorch's
 * default init, no dropout, untied. nanoGPT's choices: `gelu: 'erf'`, `init: 'gpt2'`, `tieWeights: true`,
 * `dropout`, `bias`.
 */
import type { Rng, RngState } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { initRng } from './init';
import { type GeluKind, gelu } from './layers/activations';
import { BaseLanguageModel, requirePositiveInt } from './layers/base-model';
import { Embedding } from './layers/embedding';
import { LayerNorm } from './layers/layer-norm';
import { Linear, type LinearOptions } from './layers/linear';
import { multiHeadAttention } from './layers/attention';
import { Module, ModuleList } from './layers/module';
import type { InputKind, ModelConfig } from './types';

/** Configuration of {@link Transformer}. */
export interface TransformerConfig extends ModelConfig {
  type: 'transformer';
  /** Number of blocks (default 4). */
  nLayer?: number;
  /** Attention heads; must divide nEmbd (default 4). */
  nHead?: number;
  /** Model width (default 64). */
  nEmbd?: number;
  /** Dropout rate on embeddings, attention weights and residual branches in training mode (default 0). */
  dropout?: number;
  /** Biases in Linear layers and LayerNorms (default true; nanoGPT's `bias`). */
  bias?: boolean;
  /** Share `transformer.wte.weight` with `lm_head.weight` (default false; nanoGPT ties). */
  tieWeights?: boolean;
  /** GELU formula: `tanh` (makemore's NewGELU, default) or `erf` (nanoGPT's nn.GELU). */
  gelu?: GeluKind;
  /**
   * Initialisation: `pytorch` (PyTorch defaults, as makemore.py; default) or `gpt2` (nanoGPT:
   * N(0, 0.02), zero biases, residual projections N(0, 0.02/sqrt(2·nLayer))).
   */
  init?: 'pytorch' | 'gpt2';
}

interface Resolved {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  bias: boolean;
  gelu: GeluKind;
  init: 'pytorch' | 'gpt2';
}

/** Dropout that draws its masks from the model's seeded stream, active only in training mode. */
class DropoutSource {
  constructor(
    readonly rate: number,
    readonly rng: Rng,
  ) {}
  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    return training && this.rate > 0 ? tf.dropout(x, this.rate, undefined, this.rng.nextUint32()) : x;
  }
}

/** Causal multi-head self-attention with fused QKV (`c_attn`) and output projection (`c_proj`). */
class CausalSelfAttention extends Module {
  readonly c_attn: Linear;
  readonly c_proj: Linear;

  constructor(
    private readonly cfg: Resolved,
    rng: Rng,
    private readonly drop: DropoutSource,
  ) {
    super();
    const E = cfg.nEmbd;
    const std = cfg.init === 'gpt2' ? 0.02 : undefined;
    this.c_attn = this.addModule('c_attn', new Linear(E, 3 * E, rng, linearOptions(cfg, std)));
    const projStd = cfg.init === 'gpt2' ? 0.02 / Math.sqrt(2 * cfg.nLayer) : undefined;
    this.c_proj = this.addModule('c_proj', new Linear(E, E, rng, linearOptions(cfg, projStd)));
  }

  /** `x [B, T, E]`, additive causal `mask [T, T]` → `[B, T, E]`. */
  apply(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    // q, k, v for every head from one matmul; attention dropout, when active, goes on the probabilities.
    const dropProbs =
      this.training && this.drop.rate > 0 ? (p: tf.Tensor) => this.drop.apply(p, true) : undefined;
    const y = multiHeadAttention(this.c_attn.apply(x), mask, this.cfg.nHead, dropProbs);
    return this.drop.apply(this.c_proj.apply(y), this.training);
  }
}

/** The position-wise feed-forward block: c_fc (E → 4E), GELU, c_proj (4E → E). */
class FeedForward extends Module {
  readonly c_fc: Linear;
  readonly c_proj: Linear;

  constructor(
    private readonly cfg: Resolved,
    rng: Rng,
    private readonly drop: DropoutSource,
  ) {
    super();
    const E = cfg.nEmbd;
    const std = cfg.init === 'gpt2' ? 0.02 : undefined;
    this.c_fc = this.addModule('c_fc', new Linear(E, 4 * E, rng, linearOptions(cfg, std)));
    const projStd = cfg.init === 'gpt2' ? 0.02 / Math.sqrt(2 * cfg.nLayer) : undefined;
    this.c_proj = this.addModule('c_proj', new Linear(4 * E, E, rng, linearOptions(cfg, projStd)));
  }

  apply(x: tf.Tensor): tf.Tensor {
    return this.drop.apply(this.c_proj.apply(gelu(this.c_fc.apply(x), this.cfg.gelu)), this.training);
  }
}

/** One pre-LayerNorm transformer block. */
class Block extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln_2: LayerNorm;
  readonly mlp: FeedForward;

  constructor(cfg: Resolved, rng: Rng, drop: DropoutSource) {
    super();
    this.ln_1 = this.addModule('ln_1', new LayerNorm(cfg.nEmbd, { bias: cfg.bias }));
    this.attn = this.addModule('attn', new CausalSelfAttention(cfg, rng, drop));
    this.ln_2 = this.addModule('ln_2', new LayerNorm(cfg.nEmbd, { bias: cfg.bias }));
    this.mlp = this.addModule('mlp', new FeedForward(cfg, rng, drop));
  }

  apply(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    const h = tf.add(x, this.attn.apply(this.ln_1.apply(x), mask));
    return tf.add(h, this.mlp.apply(this.ln_2.apply(h)));
  }
}

/** The `transformer.*` sub-tree: embeddings, blocks and the final LayerNorm. */
class TransformerTrunk extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly h: ModuleList<Block>;
  readonly ln_f: LayerNorm;

  constructor(cfg: Resolved, vocabSize: number, blockSize: number, rng: Rng, drop: DropoutSource) {
    super();
    const embStd = cfg.init === 'gpt2' ? 0.02 : 1;
    this.wte = this.addModule('wte', new Embedding(vocabSize, cfg.nEmbd, rng, embStd));
    this.wpe = this.addModule('wpe', new Embedding(blockSize, cfg.nEmbd, rng, embStd));
    const blocks: Block[] = [];
    for (let i = 0; i < cfg.nLayer; i++) blocks.push(new Block(cfg, rng, drop));
    this.h = this.addModule('h', new ModuleList(blocks));
    this.ln_f = this.addModule('ln_f', new LayerNorm(cfg.nEmbd, { bias: cfg.bias }));
  }
}

function linearOptions(cfg: Resolved, std: number | undefined): LinearOptions {
  return { bias: cfg.bias, init: std === undefined ? 'pytorch' : { std } };
}

/** GPT-2 style transformer language model (`type: 'transformer'`). */
export class Transformer extends BaseLanguageModel {
  readonly inputKind: InputKind = 'sequence';
  override readonly config: TransformerConfig;
  /** Resolved hyperparameters (config with defaults filled in). */
  readonly hparams: Readonly<Resolved>;
  /** `transformer.*`: wte, wpe, h, ln_f. */
  readonly transformer: TransformerTrunk;
  /** `lm_head` (no bias), or null when tied to `transformer.wte`. */
  readonly lm_head: Linear | null;
  private readonly drop: DropoutSource;
  /** Additive causal mask `[blockSize, blockSize]`: 0 on and below the diagonal, -1e9 above. */
  private readonly mask: tf.Tensor;

  constructor(config: TransformerConfig) {
    super(config);
    this.config = config;
    const cfg: Resolved = {
      nLayer: config.nLayer ?? 4,
      nHead: config.nHead ?? 4,
      nEmbd: config.nEmbd ?? 64,
      dropout: config.dropout ?? 0,
      bias: config.bias ?? true,
      gelu: config.gelu ?? 'tanh',
      init: config.init ?? 'pytorch',
    };
    requirePositiveInt('nLayer', cfg.nLayer);
    requirePositiveInt('nHead', cfg.nHead);
    requirePositiveInt('nEmbd', cfg.nEmbd);
    if (cfg.nEmbd % cfg.nHead !== 0) {
      throw new Error(`transformer config: nEmbd (${cfg.nEmbd}) must be divisible by nHead (${cfg.nHead})`);
    }
    if (!(cfg.dropout >= 0 && cfg.dropout < 1)) {
      throw new Error(`transformer config: dropout must be in [0, 1), got ${cfg.dropout}`);
    }
    if (cfg.gelu !== 'tanh' && cfg.gelu !== 'erf') {
      throw new Error(`transformer config: gelu must be "tanh" or "erf", got ${JSON.stringify(cfg.gelu)}`);
    }
    if (cfg.init !== 'pytorch' && cfg.init !== 'gpt2') {
      throw new Error(
        `transformer config: init must be "pytorch" or "gpt2", got ${JSON.stringify(cfg.init)}`,
      );
    }
    this.hparams = cfg;
    const rng = initRng(config.seed);
    this.drop = new DropoutSource(cfg.dropout, rng.fork());
    this.transformer = this.addModule(
      'transformer',
      new TransformerTrunk(cfg, this.vocabSize, this.blockSize, rng, this.drop),
    );
    this.lm_head = config.tieWeights
      ? null
      : this.addModule(
          'lm_head',
          new Linear(cfg.nEmbd, this.vocabSize, rng, {
            bias: false,
            init: cfg.init === 'gpt2' ? { std: 0.02 } : 'pytorch',
          }),
        );
    const T = this.blockSize;
    const maskValues = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskValues[i * T + j] = -1e9;
    this.mask = tf.keep(tf.tensor2d(maskValues, [T, T]));
  }

  /** The dropout stream's state; null without dropout, where no random numbers are drawn. */
  randomState(): RngState | null {
    return this.drop.rate > 0 ? this.drop.rng.state : null;
  }

  setRandomState(state: RngState): void {
    this.drop.rng.state = state;
  }

  protected override stateDictAliases(): Record<string, string> {
    return this.lm_head ? {} : { 'lm_head.weight': 'transformer.wte.weight' };
  }

  /** `idx [B, T]` with T ≤ blockSize → logits `[B, T, vocabSize]`. */
  forward(idx: tf.Tensor): tf.Tensor {
    if (idx.rank !== 2) throw new Error(`Transformer expects idx [B, T], got [${idx.shape}]`);
    const T = idx.shape[1] as number;
    if (T > this.blockSize) {
      throw new Error(
        `Transformer: sequence length ${T} exceeds blockSize ${this.blockSize}; crop the context`,
      );
    }
    return tf.tidy(() => {
      const { wte, wpe, h, ln_f } = this.transformer;
      const pos = wpe.apply(tf.range(0, T, 1, 'int32')); // [T, E]
      let x = this.drop.apply(tf.add(wte.apply(idx), pos), this.training);
      const mask = T === this.blockSize ? this.mask : tf.slice(this.mask, [0, 0], [T, T]);
      for (const block of h) x = block.apply(x, mask);
      x = ln_f.apply(x);
      if (this.lm_head) return this.lm_head.apply(x);
      const [B, , E] = x.shape as [number, number, number];
      const flat = tf.matMul(tf.reshape(x, [-1, E]) as tf.Tensor2D, wte.weight as tf.Tensor2D, false, true);
      return tf.reshape(flat, [B, T, this.vocabSize]);
    });
  }

  override dispose(): void {
    if (!this.isDisposed) this.mask.dispose();
    super.dispose();
  }
}
