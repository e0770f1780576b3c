/**
 * A key/value cache for the {@link Transformer}: generation in O(T) per token instead of a full window.
 *
 * In a causal transformer, position t's keys and values in every layer depend on tokens 0..t only, so
 * they never change once computed. The prompt is run once (prefill) and each layer's keys and values are
 * kept, `[B, H, t, D]`; each new token then runs through the blocks as ONE position: its query attends to
 * the cached keys plus its own, and its key and value are appended. Only that last position goes through
 * `ln_f` and the vocabulary head.
 *
 *   step(x_t):  per layer  q, k, v = c_attn(ln_1(x));  K ← [K; k],  V ← [V; v]
 *                          x += c_proj(softmax(q·Kᵀ/√D)·V);  x += mlp(ln_2(x))
 *               logits = lm_head(ln_f(x))
 *
 * Positions are learned and absolute (`wpe`), so the cache cannot slide: once it holds `blockSize`
 * tokens, every cached key would need a new position. The decoder's `capacity` is `blockSize`; the
 * generation driver (generate.ts) decides what happens then (`window: 'exact'` or `'shift'`).
 *
 * Small models are bound by the number of ops per step, not by FLOPs, so the step works on `[B, E]`
 * rows without any transposes: the fused `c_attn` output `[B, 3E]` is already `[B, 3, H, 1, D]`, i.e. q, k
 * and v as `[B, H, 1, D]` each. And a one-row product is bound by reading its weight: where the backend
 * has the packing kernels (`@makemore/backend`'s wasm), each weight is packed for the matrix product once
 * per generation ({@link StepLinear}) instead of once per product.
 *
 * Where the backend has the fused kernels the step needs (`@makemore/backend`'s wasm), a layer is five
 * kernels and nothing else: ln_1 → qkv product (one `MakemorePackedMatMul` with the LayerNorm inside),
 * `MakemoreAttentionStep` (which appends k and v to a cache allocated once at `[B, H, blockSize, D]`, in
 * place, and attends in one call), the projection with the residual added, ln_2 → MLP product → GELU (one
 * kernel), and its projection with the residual added; then ln_f → head is one more. The composed step
 * took about 20 kernels and 2 custom-gradient scopes per layer, and copied the cache twice per layer to
 * append one row. Elsewhere the step composes tfjs ops and the cache grows by concat.
 */
import * as tf from '@tensorflow/tfjs-core';
import { multiHeadAttention } from './layers/attention';
import { canFuse, FUSED_KERNEL_NAMES as FUSED } from './layers/fused-kernels';
import type { LayerNorm } from './layers/layer-norm';
import type { Linear } from './layers/linear';
import { gelu } from './layers/activations';
import { checkRows, idsTensor, type TokenDecoder } from './token-decoder';
import type { Transformer } from './transformer';

/**
 * Per-layer keys and values of the tokens seen so far: `[B, H, t, D]` each on the composed path,
 * `[B, H, blockSize, D]` (rows t… unused) on the fused one, where the attention kernel writes them.
 */
interface LayerCache {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

/**
 * A Linear layer (or the tied head) for the one-row products of the step: its weight `[n, k]` packed once
 * when the backend registers `MakemorePackWeight` and `MakemorePackedMatMul`, else the usual fused matmul.
 */
export class StepLinear {
  private readonly packed: tf.Tensor | null;
  private readonly n: number;

  constructor(
    private readonly weight: tf.Tensor,
    private readonly bias: tf.Tensor | null,
  ) {
    this.n = weight.shape[0] as number;
    this.packed = canFuse(weight, FUSED.packWeight, FUSED.packedMatMul)
      ? tf.keep(tf.engine().runKernel(FUSED.packWeight, { weight }) as tf.Tensor)
      : null;
  }

  static of(layer: Linear): StepLinear {
    return new StepLinear(layer.weight, layer.bias);
  }

  /** `x [B, k]` → `x·Wᵀ (+ bias) (+ residual [B, n])`, `[B, n]`; with a packed weight, one kernel. */
  apply(x: tf.Tensor, residual?: tf.Tensor): tf.Tensor2D {
    if (this.packed !== null) {
      const inputs: tf.NamedTensorMap = { x, packed: this.packed };
      if (this.bias) inputs.bias = this.bias;
      if (residual) inputs.residual = residual;
      return tf.engine().runKernel(FUSED.packedMatMul, inputs, { n: this.n }) as tf.Tensor2D;
    }
    const y = tf.fused.matMul({
      a: x as tf.Tensor2D,
      b: this.weight as tf.Tensor2D,
      transposeB: true,
      ...(this.bias ? { bias: this.bias } : {}),
    }) as tf.Tensor2D;
    return residual ? tf.add(y, residual) : y;
  }

  /**
   * `act(ln(x)·Wᵀ + bias) (+ residual)` as ONE `MakemorePackedMatMul` (the weight must be packed): the
   * LayerNorm before and the GELU after run inside the product's kernel.
   */
  applyFused(x: tf.Tensor, ln: LayerNorm, activation?: 'gelu' | 'gelu_tanh'): tf.Tensor2D {
    if (this.packed === null) throw new Error('applyFused needs a packed weight');
    const inputs: tf.NamedTensorMap = { x, packed: this.packed, normWeight: ln.weight };
    if (ln.bias) inputs.normBias = ln.bias;
    if (this.bias) inputs.bias = this.bias;
    const attrs = { n: this.n, epsilon: ln.eps, ...(activation ? { activation } : {}) };
    return tf.engine().runKernel(FUSED.packedMatMul, inputs, attrs) as tf.Tensor2D;
  }

  dispose(): void {
    this.packed?.dispose();
  }
}

/** The step's products of one block. */
interface BlockLinears {
  cAttn: StepLinear;
  attnProj: StepLinear;
  cFc: StepLinear;
  mlpProj: StepLinear;
}

/** The {@link TokenDecoder} of a {@link Transformer}: prefill once, then one position per token. */
export class TransformerKVDecoder implements TokenDecoder {
  readonly capacity: number;
  private caches: LayerCache[] = [];
  private linears: BlockLinears[] | null = null;
  private headLinear: StepLinear | null = null;
  /** Tokens per row in the cache. */
  private length = 0;
  private readonly heads: number;
  private readonly headDim: number;
  /** Whether the cache is preallocated and the step runs on the fused kernels (decided at prefill). */
  private fused = false;

  constructor(private readonly model: Transformer) {
    this.capacity = model.blockSize;
    this.heads = model.hparams.nHead;
    this.headDim = model.hparams.nEmbd / model.hparams.nHead;
  }

  /** Tokens per row held in the cache. */
  get cachedTokens(): number {
    return this.length;
  }

  prefill(rows: readonly (readonly number[])[]): tf.Tensor2D {
    const T = checkRows(rows, this.capacity);
    this.clearCache();
    const { wte, wpe, h } = this.model.transformer;
    const B = rows.length;
    const [H, D] = [this.heads, this.headDim];
    const caches: LayerCache[] = [];
    this.fused = canFuse(wte.weight, ...STEP_KERNELS);
    const room = this.capacity - T;
    const logits = tf.tidy(() => {
      let x = tf.add(wte.apply(idsTensor(rows)), wpe.apply(tf.range(0, T, 1, 'int32'))); // [B, T, E]
      const mask = causalMask(T);
      for (const block of h) {
        const qkv = block.attn.c_attn.apply(block.ln_1.apply(x)); // [B, T, 3E]
        // [B, T, 3E] → [3, B, H, T, D]: the keys and values to keep.
        const parts = tf.transpose(tf.reshape(qkv, [B, T, 3, H, D]), [2, 0, 3, 1, 4]);
        const [, k, v] = tf.unstack(parts) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        if (this.fused) {
          // The fused step writes each new row in place: room for blockSize rows, allocated once here.
          const padding: [number, number][] = [
            [0, 0],
            [0, 0],
            [0, room],
            [0, 0],
          ];
          caches.push({ k: tf.keep(tf.pad(k, padding)), v: tf.keep(tf.pad(v, padding)) });
        } else {
          caches.push({ k: tf.keep(k), v: tf.keep(v) });
        }
        x = tf.add(x, block.attn.c_proj.apply(multiHeadAttention(qkv, mask, H)));
        x = tf.add(x, block.mlp.apply(block.ln_2.apply(x)));
      }
      const E = x.shape[2] as number;
      return this.head(tf.reshape(tf.slice(x, [0, T - 1, 0], [B, 1, E]), [B, E]), false);
    });
    this.caches = caches;
    this.length = T;
    return logits;
  }

  step(tokens: readonly number[]): tf.Tensor2D {
    if (this.length === 0) throw new Error('step before prefill');
    if (this.length >= this.capacity) {
      throw new Error(`the cache holds ${this.length} tokens, its capacity; prefill a shorter window`);
    }
    if (this.fused) return this.fusedStep(tokens);
    const B = tokens.length;
    const [H, D] = [this.heads, this.headDim];
    const E = H * D;
    const t = this.length;
    const { wte, wpe, h } = this.model.transformer;
    const linears = this.stepLinears();
    const next: LayerCache[] = [];
    const logits = tf.tidy(() => {
      const ids = tf.tensor1d([...tokens], 'int32');
      const pos = tf.slice(wpe.weight, [t, 0], [1, E]);
      let x = tf.add(wte.apply(ids), pos) as tf.Tensor2D; // [B, E]
      let layer = 0;
      for (const block of h) {
        const cache = this.caches[layer] as LayerCache;
        const lin = linears[layer++] as BlockLinears;
        const qkv = lin.cAttn.apply(block.ln_1.apply(x)); // [B, 3E]
        const [q, k, v] = tf.split(tf.reshape(qkv, [B, 3 * H, 1, D]), 3, 1) as tf.Tensor4D[];
        const kAll = tf.concat([cache.k, k as tf.Tensor4D], 2) as tf.Tensor4D; // [B, H, t + 1, D]
        const vAll = tf.concat([cache.v, v as tf.Tensor4D], 2) as tf.Tensor4D;
        next.push({ k: tf.keep(kAll), v: tf.keep(vAll) });
        const y = singleQueryAttention(q as tf.Tensor4D, kAll, vAll); // [B, E]
        x = tf.add(x, lin.attnProj.apply(y));
        const hidden = gelu(lin.cFc.apply(block.ln_2.apply(x)), this.model.hparams.gelu);
        x = tf.add(x, lin.mlpProj.apply(hidden));
      }
      return this.head(x, true);
    });
    for (const c of this.caches) tf.dispose([c.k, c.v]);
    this.caches = next;
    this.length = t + 1;
    return logits;
  }

  /**
   * The step on the backend's fused kernels: five per layer, the cache written in place by
   * `MakemoreAttentionStep` (nothing to swap afterwards).
   */
  private fusedStep(tokens: readonly number[]): tf.Tensor2D {
    const t = this.length;
    const { wte, wpe, h } = this.model.transformer;
    const E = this.heads * this.headDim;
    const linears = this.stepLinears();
    const attention = { heads: this.heads, position: t, scale: 1 / Math.sqrt(this.headDim) };
    const activation = this.model.hparams.gelu === 'tanh' ? 'gelu_tanh' : 'gelu';
    const logits = tf.tidy(() => {
      const ids = tf.tensor1d([...tokens], 'int32');
      let x = tf.add(tf.gather(wte.weight, ids), tf.slice(wpe.weight, [t, 0], [1, E])) as tf.Tensor2D;
      for (let layer = 0; layer < h.length; layer++) {
        const block = h.at(layer);
        const cache = this.caches[layer] as LayerCache;
        const lin = linears[layer] as BlockLinears;
        const qkv = lin.cAttn.applyFused(x, block.ln_1);
        const inputs = { qkv, keys: cache.k, values: cache.v };
        const y = tf.engine().runKernel(FUSED.attentionStep, inputs, attention) as tf.Tensor2D;
        x = lin.attnProj.apply(y, x);
        x = lin.mlpProj.apply(lin.cFc.applyFused(x, block.ln_2, activation), x);
      }
      const head = this.headLinear as StepLinear;
      return head.applyFused(x, this.model.transformer.ln_f);
    });
    this.length = t + 1;
    return logits;
  }

  keepRows(indices: readonly number[]): void {
    if (this.caches.length === 0 || indices.length === this.caches[0]?.k.shape[0]) return;
    const ix = tf.tensor1d([...indices], 'int32');
    this.caches = this.caches.map((c) => {
      const kept = { k: tf.gather(c.k, ix) as tf.Tensor4D, v: tf.gather(c.v, ix) as tf.Tensor4D };
      tf.dispose([c.k, c.v]);
      return kept;
    });
    ix.dispose();
  }

  dispose(): void {
    this.clearCache();
    for (const l of this.linears ?? []) for (const lin of Object.values(l)) lin.dispose();
    this.headLinear?.dispose();
    this.linears = null;
    this.headLinear = null;
  }

  private clearCache(): void {
    for (const c of this.caches) tf.dispose([c.k, c.v]);
    this.caches = [];
    this.length = 0;
  }

  /** The step's products, made (and their weights packed) on the first step. */
  private stepLinears(): BlockLinears[] {
    if (this.linears === null) {
      this.linears = [...this.model.transformer.h].map((block) => ({
        cAttn: StepLinear.of(block.attn.c_attn),
        attnProj: StepLinear.of(block.attn.c_proj),
        cFc: StepLinear.of(block.mlp.c_fc),
        mlpProj: StepLinear.of(block.mlp.c_proj),
      }));
      const { lm_head } = this.model;
      this.headLinear = lm_head
        ? StepLinear.of(lm_head)
        : new StepLinear(this.model.transformer.wte.weight, null);
    }
    return this.linears;
  }

  /** `ln_f` and the vocabulary head (or the tied embedding) on `[B, E]` → logits `[B, V]`. */
  private head(x: tf.Tensor, step: boolean): tf.Tensor2D {
    const { ln_f, wte } = this.model.transformer;
    const normed = ln_f.apply(x) as tf.Tensor2D;
    if (step && this.headLinear !== null) return this.headLinear.apply(normed);
    if (this.model.lm_head) return this.model.lm_head.apply(normed) as tf.Tensor2D;
    return tf.matMul(normed, wte.weight as tf.Tensor2D, false, true);
  }
}

/**
 * One query per row and head against all cached keys: `q [B, H, 1, D]`, `k`, `v [B, H, t, D]` → `[B, E]`
 * (heads side by side, as `c_proj` expects). No mask: the query is the newest position, so it may see
 * every cached one.
 */
export function singleQueryAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor2D {
  const [B, H, , D] = q.shape;
  const scale = 1 / Math.sqrt(D);
  const probs = tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)); // [B, H, 1, t]
  return tf.reshape(tf.matMul(probs, v), [B, H * D]) as tf.Tensor2D;
}

/**
 * The kernels the fused step runs (see the file's header): LayerNorm and GELU run inside the packed
 * product, which registers with them.
 */
const STEP_KERNELS = [FUSED.attentionStep, FUSED.packWeight, FUSED.packedMatMul] as const;

/** The additive causal mask `[T, T]`: 0 on and below the diagonal, -1e9 above (as the model's own). */
function causalMask(T: number): tf.Tensor2D {
  const values = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) values[i * T + j] = -1e9;
  return tf.tensor2d(values, [T, T]);
}
