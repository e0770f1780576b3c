/**
 * Hugging Face GPT-2 weights (`gpt2`, `gpt2-medium`, `gpt2-large`, `gpt2-xl`, or any `GPT2LMHeadModel`
 * saved with `save_pretrained`) → our Transformer's state dict.
 *
 * The layouts differ in three ways:
 * - names: HF's files use `h.N.attn.c_attn.weight`, `wte.weight`, ... either bare (OpenAI's original
 *   uploads) or under `transformer.` (save_pretrained of GPT2LMHeadModel); ours are always under
 *   `transformer.`. `lm_head.weight` is tied to `wte` (usually left out of the file).
 * - HF's GPT-2 uses `Conv1D` layers, which store weights as [in, out] (y = x·W + b) where a Linear stores
 *   [out, in]: `c_attn`, `c_proj` and `c_fc` weights are transposed on the way in.
 * - buffers: `h.N.attn.bias` (the causal mask) and `h.N.attn.masked_bias` hold no weights and are dropped.
 *
 * GPT-2's activation is `gelu_new`, the tanh approximation (our `gelu: 'tanh'`), with LayerNorm ε 1e-5.
 * `n_head` cannot be read from the weights: it comes from config.json, or from the four OpenAI sizes
 * (768 → 12, 1024 → 16, 1280 → 20, 1600 → 25 heads).
 *
 * Everything here is bytes in, arrays out (no file access), so the CLI's `makemore import hf-gpt2` and the
 * demo's Models page share {@link hfGpt2FromSafetensors}; GPT-2's tokenizer is @makemore/tokenizers' bundled
 * `r50k_base` encoding.
 */
import { parseSafetensors } from '../safetensors';
import type { TransformerConfig } from '../transformer';

/** The fields of a Hugging Face GPT-2 `config.json` this reads; others are ignored. */
export interface HfGpt2Config {
  n_layer?: number;
  n_head?: number;
  n_embd?: number;
  n_positions?: number;
  vocab_size?: number;
  n_inner?: number | null;
  activation_function?: string;
  layer_norm_epsilon?: number;
  scale_attn_by_inverse_layer_idx?: boolean;
  reorder_and_upcast_attn?: boolean;
}

/** A tensor as parsed from safetensors (float data). */
export interface FloatTensorLike {
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

/** Thrown for weights or a config that are not GPT-2's layout; the message says what differs. */
export class HfGpt2Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HfGpt2Error';
  }
}

/** Heads of OpenAI's four GPT-2 sizes, by width. */
export const GPT2_HEADS: Readonly<Record<number, number>> = { 768: 12, 1024: 16, 1280: 20, 1600: 25 };

const CONV1D = /^transformer\.h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/;

/**
 * Converts a Hugging Face GPT-2 state dict (e.g. `parseSafetensors(bytes).tensors`) to our Transformer's
 * config and state dict. Throws a {@link HfGpt2Error} naming what does not fit.
 */
export function hfGpt2ToTransformer(
  tensors: Readonly<Record<string, FloatTensorLike>>,
  hfConfig: HfGpt2Config = {},
): { config: TransformerConfig; weights: Record<string, { shape: number[]; data: Float32Array }> } {
  const named: Record<string, FloatTensorLike> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const ours = name.startsWith('transformer.') || name === 'lm_head.weight' ? name : `transformer.${name}`;
    // The causal-mask buffers; the projection biases are `attn.c_attn.bias` / `attn.c_proj.bias`.
    if (/\.attn\.(bias|masked_bias)$/.test(ours)) continue;
    named[ours] = t;
  }
  const wte = named['transformer.wte.weight'];
  const wpe = named['transformer.wpe.weight'];
  if (!wte || !wpe || wte.shape.length !== 2 || wpe.shape.length !== 2) {
    const some = Object.keys(tensors).slice(0, 4).join(', ');
    throw new HfGpt2Error(
      `not GPT-2 weights: no wte.weight / wpe.weight [rows, n_embd] (found ${some}, ...)`,
    );
  }
  const [vocabSize, nEmbd] = wte.shape as [number, number];
  const blockSize = wpe.shape[0] as number;
  const layers = new Set(
    Object.keys(named)
      .map((n) => /^transformer\.h\.(\d+)\./.exec(n)?.[1])
      .filter((x): x is string => x !== undefined),
  );
  const nLayer = layers.size;
  const nHead = hfConfig.n_head ?? GPT2_HEADS[nEmbd];
  const problems: string[] = [];
  if (nHead === undefined)
    problems.push(`n_embd ${nEmbd} is not one of OpenAI's sizes: give n_head (config.json)`);
  if (hfConfig.n_layer !== undefined && hfConfig.n_layer !== nLayer) {
    problems.push(`config.json says n_layer ${hfConfig.n_layer}, the weights have ${nLayer} blocks`);
  }
  if (hfConfig.n_embd !== undefined && hfConfig.n_embd !== nEmbd) {
    problems.push(`config.json says n_embd ${hfConfig.n_embd}, wte.weight is [${wte.shape.join(', ')}]`);
  }
  if (hfConfig.n_inner != null && hfConfig.n_inner !== 4 * nEmbd) {
    problems.push(`n_inner ${hfConfig.n_inner} is not 4·n_embd, which our MLP assumes`);
  }
  if (hfConfig.layer_norm_epsilon !== undefined && Math.abs(hfConfig.layer_norm_epsilon - 1e-5) > 1e-12) {
    problems.push(`layer_norm_epsilon ${hfConfig.layer_norm_epsilon} is not GPT-2's 1e-5`);
  }
  if (hfConfig.scale_attn_by_inverse_layer_idx || hfConfig.reorder_and_upcast_attn) {
    problems.push(
      'scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn change the attention and are not supported',
    );
  }
  const act = hfConfig.activation_function ?? 'gelu_new';
  const gelu =
    act === 'gelu_new' || act === 'gelu_pytorch_tanh' ? 'tanh' : act === 'gelu' ? 'erf' : undefined;
  if (gelu === undefined)
    problems.push(`activation_function '${act}' is not a GELU (gelu_new, gelu_pytorch_tanh or gelu)`);
  if (problems.length > 0) throw new HfGpt2Error(problems.join('; '));
  const lmHead = named['lm_head.weight'];
  if (lmHead && !sameData(lmHead.data, wte.data)) {
    throw new HfGpt2Error('lm_head.weight differs from wte.weight; GPT-2 ties them and so does this model');
  }
  const weights: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of Object.entries(named)) {
    if (name === 'lm_head.weight') continue;
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    if (CONV1D.test(name)) {
      if (t.shape.length !== 2) throw new HfGpt2Error(`${name} must be 2-D, got [${t.shape.join(', ')}]`);
      const [rows, cols] = t.shape as [number, number];
      weights[name] = { shape: [cols, rows], data: transpose(data, rows, cols) };
    } else {
      weights[name] = { shape: [...t.shape], data };
    }
  }
  const config: TransformerConfig = {
    type: 'transformer',
    nLayer,
    nHead: nHead as number,
    nEmbd,
    blockSize,
    vocabSize,
    bias: 'transformer.h.0.attn.c_attn.bias' in named,
    dropout: 0,
    tieWeights: true,
    gelu: gelu as 'tanh' | 'erf',
    init: 'gpt2',
  };
  return { config, weights };
}

/**
 * A Hugging Face GPT-2 `model.safetensors` file's bytes (and its `config.json`, parsed, if at hand) →
 * our Transformer's config and state dict: `parseSafetensors`, then {@link hfGpt2ToTransformer}. Throws a
 * {@link HfGpt2Error} (or the safetensors parser's error) that says what does not fit.
 */
export function hfGpt2FromSafetensors(
  bytes: Uint8Array | ArrayBuffer,
  hfConfig: HfGpt2Config = {},
): ReturnType<typeof hfGpt2ToTransformer> {
  return hfGpt2ToTransformer(parseSafetensors(bytes).tensors, hfConfig);
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

function sameData(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
