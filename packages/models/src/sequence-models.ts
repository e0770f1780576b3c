/**
 * The recurrent and sequence-mixing models (RNN, GRU, LSTM, BoW, WaveNet), gathered for createModel.
 * Each entry builds a model from its JSON config.
 */
import { BoW } from './bow';
import { GRU } from './gru';
import { LSTM } from './lstm';
import { RNN } from './rnn';
import type { LanguageModel, ModelConfig, ModelType } from './types';
import { WaveNet } from './wavenet';

export { BoW, BoWBlock, type BoWConfig, CausalBoW } from './bow';
export { GRU, GRUCell } from './gru';
export { LSTM, LSTMCell } from './lstm';
export { type CellFactory, type RecurrentCell, type RecurrentConfig, RecurrentModel } from './recurrent';
export { RNN, RNNCell } from './rnn';
export { WaveNet, type WaveNetConfig, WaveNetLayer } from './wavenet';

/** Builders for `rnn`, `gru`, `lstm`, `bow` and `wavenet` configs, keyed by `type`. */
export const sequenceModelFactories: Partial<Record<ModelType, (config: ModelConfig) => LanguageModel>> = {
  rnn: (config) => new RNN(config),
  gru: (config) => new GRU(config),
  lstm: (config) => new LSTM(config),
  bow: (config) => new BoW(config),
  wavenet: (config) => new WaveNet(config),
};
