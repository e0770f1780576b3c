/**
 * createModel: builds any model of the zoo from its plain-JSON config, dispatching on `type`.
 * The recurrent and sequence-mixing models come from `sequenceModelFactories`.
 */
import { BigramCounts } from './bigram-counts';
import { BigramNN, type BigramNNConfig } from './bigram-nn';
import { MLP, type MLPConfig } from './mlp';
import { sequenceModelFactories } from './sequence-models';
import { Transformer, type TransformerConfig } from './transformer';
import type { LanguageModel, ModelConfig, ModelType } from './types';

/** Every `type` createModel knows. */
export const MODEL_TYPES: readonly ModelType[] = [
  'bigram',
  'bigram-nn',
  'mlp',
  'rnn',
  'gru',
  'lstm',
  'bow',
  'wavenet',
  'transformer',
];

/** Builds the count table for `type: 'bigram'`. */
export function createModel(config: ModelConfig & { type: 'bigram' }): BigramCounts;
/** Builds a TensorFlow.js model for every other type. */
export function createModel(config: ModelConfig & { type: Exclude<ModelType, 'bigram'> }): LanguageModel;
/** Builds any model; `bigram` gives a {@link BigramCounts}, everything else a {@link LanguageModel}. */
export function createModel(config: ModelConfig): LanguageModel | BigramCounts;
export function createModel(config: ModelConfig): LanguageModel | BigramCounts {
  if (typeof config !== 'object' || config === null || typeof config.type !== 'string') {
    throw new Error(
      `createModel: config must be an object with a string "type", got ${JSON.stringify(config)}`,
    );
  }
  switch (config.type) {
    case 'bigram':
      return new BigramCounts({
        vocabSize: config.vocabSize,
        ...(typeof config.smoothing === 'number' ? { smoothing: config.smoothing } : {}),
      });
    case 'bigram-nn':
      return new BigramNN(config as BigramNNConfig);
    case 'mlp':
      return new MLP(config as MLPConfig);
    case 'transformer':
      return new Transformer(config as TransformerConfig);
    default: {
      const factory = sequenceModelFactories[config.type];
      if (factory) return factory(config);
      const known = MODEL_TYPES.filter(
        (t) => ['bigram', 'bigram-nn', 'mlp', 'transformer'].includes(t) || sequenceModelFactories[t],
      );
      throw new Error(
        `createModel: unknown or unavailable model type "${config.type}"; available: ${known.join(', ')}`,
      );
    }
  }
}

/** True for the TensorFlow.js models (everything but BigramCounts). */
export function isLanguageModel(model: LanguageModel | BigramCounts): model is LanguageModel {
  return !(model instanceof BigramCounts);
}
