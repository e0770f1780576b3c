/**
 * Attention weights of a transformer for one input, per layer and head, for the Explore page's heat maps.
 *
 * If the model offers `attentionWeights(idx)`, that is used. @makemore/models' Transformer does not (yet),
 * so otherwise the weights are read by running the model's own modules: token + position embeddings, then
 * for each block its `ln_1` and fused `c_attn` projection give q and k, softmax(q·kᵀ/√d + causal mask) is
 * the attention map (Vaswani et al. 2017, eq. 1), and the block itself advances the residual stream.
 */
import { type LanguageModel, Transformer } from '@makemore/models';
import type { TextTokenizer as Tokenizer } from '@makemore/tokenizers';
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionMaps } from './protocol';

/** A model that returns its attention probabilities: one `[B, nHead, T, T]` tensor per layer. */
interface AttentionSource {
  attentionWeights(idx: tf.Tensor): tf.Tensor[];
}

function hasAttention(model: unknown): model is AttentionSource {
  return typeof (model as Partial<AttentionSource>).attentionWeights === 'function';
}

/** Attention maps read through the Transformer's public modules; returns one [1, H, T, T] tensor per layer. */
function transformerAttention(model: Transformer, idx: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const T = idx.shape[1] as number;
    const H = model.hparams.nHead;
    const D = model.hparams.nEmbd / H;
    const { wte, wpe, h } = model.transformer;
    const maskValues = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskValues[i * T + j] = -1e9;
    const mask = tf.tensor2d(maskValues, [T, T]);
    let x = tf.add(wte.apply(idx), wpe.apply(tf.range(0, T, 1, 'int32')));
    const maps: tf.Tensor[] = [];
    for (const block of h) {
      const qkv = tf.transpose(
        tf.reshape(block.attn.c_attn.apply(block.ln_1.apply(x)), [1, T, 3, H, D]),
        [2, 0, 3, 1, 4],
      );
      const [q, k] = tf.unstack(qkv) as [tf.Tensor, tf.Tensor, tf.Tensor];
      maps.push(tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D)), mask)));
      x = block.apply(x, mask);
    }
    return maps;
  });
}

export function attentionMaps(
  model: LanguageModel,
  tokenizer: Tokenizer,
  boundary: number | null,
  text: string,
): AttentionMaps {
  if (!hasAttention(model) && !(model instanceof Transformer)) {
    throw new Error(`The ${model.config.type} model has no attention; train or load a transformer.`);
  }
  let ids = tokenizer.encode(text);
  if (boundary !== null) ids = [boundary, ...ids];
  if (ids.length === 0) throw new Error('Type some text to see where the model attends.');
  ids = ids.slice(-model.blockSize);
  const tokens = ids.map((id, i) =>
    boundary !== null && i === 0 && id === boundary ? '.' : tokenizer.decode([id]),
  );
  const idx = tf.tensor2d([ids], [1, ids.length], 'int32');
  const wasTraining = model.training;
  model.setTraining(false);
  try {
    const layers = hasAttention(model)
      ? model.attentionWeights(idx)
      : transformerAttention(model as Transformer, idx);
    try {
      const weights = layers.map((layer) => {
        const [, nHead, T] = layer.shape as [number, number, number, number];
        const data = layer.dataSync() as Float32Array;
        return Array.from({ length: nHead }, (_, h) => data.slice(h * T * T, (h + 1) * T * T));
      });
      return { tokens, weights, nLayer: weights.length, nHead: weights[0]?.length ?? 0 };
    } finally {
      tf.dispose(layers);
    }
  } finally {
    model.setTraining(wasTraining);
    idx.dispose();
  }
}
