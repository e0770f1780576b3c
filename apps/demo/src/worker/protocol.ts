/**
 * The messages between the page and the training worker. The page sends {@link Request}s, each with an id,
 * and gets one {@link Reply} per id; the worker also pushes {@link WorkerEvent}s while it trains.
 * Everything here is structured-clone friendly: plain objects, typed arrays and ArrayBuffers.
 */
import type { ModelConfig } from '@makemore/models';
import type { RunSpec, RunSpecInput } from '@makemore/run';

/**
 * A text file the user chose, to train on instead of a built-in dataset: a word per line (`words`, like
 * names.txt) or one text stream (`text`). The worker turns it into a @makemore/datasets `Dataset`.
 */
export interface Upload {
  fileName: string;
  text: string;
  kind: 'words' | 'text';
}

/**
 * Everything `configure` needs to build a fresh run: a (partial) run spec of @makemore/run, which the
 * worker resolves and prepares with `prepareRun`, and the uploaded file when `spec.data.dataset` names one.
 */
export interface RunRequest {
  spec: RunSpecInput;
  upload?: Upload;
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
  /** Examples per split (words for word lists, characters for text), as `prepareRun` reports them. */
  splitSizes: Record<string, number>;
  /** The settled spec of the run (absent for a model imported without one: it can sample, not train). */
  spec: RunSpec | null;
  /** Where the model came from: built here, or imported from checkpoint files. */
  origin: 'configured' | 'imported';
  /**
   * For a fine-tuned run (`spec.initFrom`), the name of the weights it started from while the worker
   * still holds them (Reset and Start new run go back to them); null otherwise, and after a reload.
   */
  startingWeights: string | null;
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
 * A checkpoint as files, name → bytes: what @makemore/trainer's `encodeCheckpoint` writes (`config.json`,
 * `model.safetensors`, `optimizer.safetensors`, the very files of `makemore train --out DIR`'s `DIR/last/`)
 * plus `run.json`, the run's spec (`DIR/run.json`). An import may bring only `config.json` and
 * `model.safetensors`: such a model samples but cannot continue training.
 */
export type CheckpointFiles = Record<string, Uint8Array>;

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
  | { type: 'configure'; run: RunRequest }
  /** Starts or resumes; `steps` raises (or lowers) the total of a paused or imported run before it resumes. */
  | { type: 'start'; steps?: number }
  | { type: 'pause' }
  | { type: 'reset' }
  | { type: 'sample'; options: SampleOptions }
  | { type: 'export' }
  /** Checkpoint files; `upload` is the text file a restored run was trained on (its `data.dataset`). */
  | { type: 'import'; files: CheckpointFiles; upload?: Upload }
  /** Applies form changes to the current run from its checkpoint, by `planResume`'s rules. */
  | { type: 'apply'; changes: RunSpecInput }
  /**
   * The spec of a run that starts from the model the worker holds, named `from`: `spec` with `initFrom`
   * and the weights' model and tokenizer (@makemore/run's `specForInit`). The Train form's fine-tune mode.
   */
  | { type: 'initSpec'; spec: RunSpecInput; from: string }
  /** Builds a run that starts from the model the worker holds, named `from` (fine-tuning). */
  | { type: 'fineTune'; run: RunRequest; from: string }
  /** The run as checkpoint files, taken even while it trains (for the page's autosave). */
  | { type: 'autosave' }
  /** The e2e tests' hook: the next training step never returns (a hung kernel), to test the watchdog. */
  | { type: 'hang' }
  /** Hugging Face GPT-2 `model.safetensors` (and its `config.json`), with GPT-2's bundled r50k_base. */
  | { type: 'importHfGpt2'; weights: Uint8Array; config?: Uint8Array }
  | { type: 'embeddings' }
  | { type: 'attention'; text: string }
  | { type: 'lrFind'; steps: number; minLr: number; maxLr: number }
  | { type: 'memory' };

export type RequestType = Request['type'];

/** The result type for each request. */
export interface Results {
  init: {
    backend: string;
    reason: string;
    /** What the backend runs on, e.g. `WebGPU on google swiftshader, software`. */
    detail: string;
    threads: number;
    crossOriginIsolated: boolean;
  };
  configure: ModelSummary;
  start: null;
  pause: null;
  reset: null;
  sample: Sample[];
  export: CheckpointFiles;
  import: ModelSummary;
  importHfGpt2: ModelSummary;
  apply: ModelSummary;
  initSpec: RunSpecInput;
  fineTune: ModelSummary;
  autosave: { files: CheckpointFiles; step: number } | null;
  hang: null;
  embeddings: EmbeddingPoints;
  attention: AttentionMaps;
  lrFind: LrCurve;
  /** TensorFlow.js's tensor count and bytes, to check that nothing leaks. */
  memory: { numTensors: number; numBytes: number };
}

/** `stopped`: a run that failed (e.g. a NaN loss), back at its last good checkpoint. */
export type TrainStatus = 'idle' | 'running' | 'paused' | 'done' | 'stopped';

export type WorkerEvent =
  | { type: 'status'; status: TrainStatus }
  /** A run begins (or resumes): its settled spec and split sizes, as the CLI's `--json` start line. */
  | { type: 'start'; step: number; spec: RunSpec; splitSizes: Record<string, number> }
  | { type: 'step'; step: number; loss: number; lr: number; stepsPerSecond: number; etaSeconds: number }
  | { type: 'eval'; step: number; train: number; dev: number; losses: Record<string, number> }
  /** A resumed run's changes, one line each (`planResume`'s notes). */
  | { type: 'notice'; message: string }
  /** After a failed step the run went back to its last good checkpoint, at this step. */
  | { type: 'rewound'; step: number }
  | { type: 'samples'; step: number; samples: Sample[] }
  | { type: 'progress'; label: string; fraction: number }
  /**
   * Sample `index` so far, while the Sample page's request runs: sent as each token is drawn (`done`
   * false, the text growing) and once more when the sample is complete, with its `inTrain` mark.
   */
  | { type: 'sampling'; index: number; text: string; done: boolean; inTrain: boolean | null }
  | { type: 'error'; message: string };

export type Envelope =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  /** `field` is the spec field an error names (a `RunSpecError`'s), so the form can show it there. */
  | { kind: 'reply'; id: number; ok: false; error: string; field?: string }
  | { kind: 'event'; event: WorkerEvent };
