/**
 * The messages between the page and the training worker. The page sends {@link Request}s, each with an id,
 * and gets one {@link Reply} per id; the worker also pushes {@link WorkerEvent}s while it trains.
 * Everything here is structured-clone friendly: plain objects, typed arrays and ArrayBuffers.
 */
import type { ModelConfig } from '@makemore/models';

/** Which data to train on: a built-in dataset served next to the site, or a text the user uploaded. */
export type DataSource =
  | { kind: 'builtin'; name: string }
  | { kind: 'upload'; fileName: string; text: string; words: boolean };

/** The tokenizer to build from the training text. */
export type TokenizerChoice = { kind: 'char' } | { kind: 'bpe'; vocabSize: number };

/** Optimiser and loop settings for a run. */
export interface TrainSettings {
  steps: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'sgd' | 'adamw';
  schedule: 'constant' | 'cosine' | 'step';
  weightDecay: number;
  evalEvery: number;
  evalIters: number;
  sampleEvery: number;
  seed: number;
}

/** A model's settings without `vocabSize`, which the tokenizer decides. */
export type ModelSetup = Pick<ModelConfig, 'type' | 'blockSize'> &
  Partial<
    Pick<
      ModelConfig,
      | 'nEmbd'
      | 'nEmbd2'
      | 'nHidden'
      | 'nLayer'
      | 'nHead'
      | 'dropout'
      | 'batchNorm'
      | 'tieWeights'
      | 'bias'
      | 'inputKind'
      | 'seed'
    >
  >;

/** Everything `configure` needs to build a fresh run. */
export interface RunSetup {
  data: DataSource;
  tokenizer: TokenizerChoice;
  model: ModelSetup;
  train: TrainSettings;
}

/** What the worker reports about the model it holds. */
export interface ModelSummary {
  config: ModelConfig;
  numParams: number;
  datasetName: string;
  tokenizerKind: string;
  vocab: string[];
  step: number;
  isWords: boolean;
  splitSizes: { train: number; dev: number; test: number };
}

export interface SampleOptions {
  count: number;
  temperature: number;
  topK: number | null;
  seed: number;
  prompt: string;
  maxTokens: number;
}

/** One generated sample; `inTrain` is set for word datasets. */
export interface Sample {
  text: string;
  inTrain: boolean | null;
}

export interface AttentionMaps {
  tokens: string[];
  /** weights[layer][head] is a T×T row-major matrix (row = query, column = key). */
  weights: Float32Array[][];
  nLayer: number;
  nHead: number;
}

export interface EmbeddingPoints {
  labels: string[];
  x: number[];
  y: number[];
  /** How the 2-D points were made: the first two dimensions, or a PCA projection. */
  method: string;
}

export interface LrCurve {
  lrs: number[];
  losses: number[];
  suggested: number;
}

/**
 * A model in the CLI's checkpoint format (one slot of `makemore train --out`): `config.json` text,
 * `model.safetensors` bytes and, when exported, `optimizer.safetensors` bytes.
 */
export interface CheckpointFiles {
  configJson: string;
  safetensors: ArrayBuffer;
  optimizerSafetensors?: ArrayBuffer;
}

export type Request =
  | {
      type: 'init';
      dataBaseUrl: string;
      wasmBaseUrl: string;
      /** A backend to force (`?backend=wasm` in the page URL); by default the fastest that loads. */
      prefer?: string;
      /** wasm threads (`?threads=2`); by default tfjs's choice. */
      threads?: number;
    }
  | { type: 'configure'; setup: RunSetup }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'reset' }
  | { type: 'sample'; options: SampleOptions }
  | { type: 'export' }
  | { type: 'import'; files: CheckpointFiles }
  | { type: 'embeddings' }
  | { type: 'attention'; text: string }
  | { type: 'lrFind'; steps: number; minLr: number; maxLr: number }
  | { type: 'memory' };

export type RequestType = Request['type'];

/** The result type for each request. */
export interface Results {
  init: { backend: string; reason: string; threads: number; crossOriginIsolated: boolean };
  configure: ModelSummary;
  start: null;
  pause: null;
  reset: null;
  sample: Sample[];
  export: CheckpointFiles;
  import: ModelSummary;
  embeddings: EmbeddingPoints;
  attention: AttentionMaps;
  lrFind: LrCurve;
  /** TensorFlow.js's tensor count and bytes, to check that nothing leaks. */
  memory: { numTensors: number; numBytes: number };
}

export type TrainStatus = 'idle' | 'running' | 'paused' | 'done';

export type WorkerEvent =
  | { type: 'status'; status: TrainStatus }
  | { type: 'step'; step: number; loss: number; lr: number; stepsPerSecond: number; etaSeconds: number }
  | { type: 'eval'; step: number; train: number; dev: number }
  | { type: 'samples'; step: number; samples: Sample[] }
  | { type: 'progress'; label: string; fraction: number }
  /** Samples so far while the Sample page's request runs; the last one may still be growing. */
  | { type: 'sampling'; samples: Sample[] }
  | { type: 'error'; message: string };

export type Envelope =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string }
  | { kind: 'event'; event: WorkerEvent };
