/**
 * The engine that runs inside the training worker: it loads a dataset, builds a tokenizer and a model
 * from the packages, trains with @makemore/trainer's loop, samples, and moves weights in and out in the
 * CLI's checkpoint format. Everything here is the packages' API; this file only wires it to messages.
 */
import { useBestBackend } from '@makemore/backend';
import { type Dataset, loadDataset, splitWords } from '@makemore/datasets';
import {
  createModel,
  generate,
  generateStreamAsync,
  isLanguageModel,
  type LanguageModel,
  type ModelConfig,
  parseSafetensors,
  serializeSafetensors,
  tensorsFromSafetensors,
} from '@makemore/models';
import {
  AdamW,
  type CheckpointSink,
  cloneSnapshot,
  constant,
  cosineWithWarmup,
  createTrainingData,
  disposeSnapshot,
  findLearningRate,
  type Optimizer,
  SGD,
  type Schedule,
  stepDecay,
  type TrainingData,
  type TrainingRun,
  type TrainingSnapshot,
  train,
} from '@makemore/trainer';
import { BpeTokenizer, CharTokenizer, tokenizerFromJSON } from '@makemore/tokenizers';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { attentionMaps } from './attention';
import { projectTo2d } from './projection';
import type {
  CheckpointFiles,
  ModelSummary,
  Request,
  Results,
  RunSetup,
  Sample,
  SampleOptions,
  TrainStatus,
  WorkerEvent,
} from './protocol';

/** The structural tokenizer the engine needs from either tokenizer class. */
interface Tokenizer {
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
  readonly vocabSize: number;
  toJSON(): unknown;
}

/** The boundary token of word datasets: `.` at id 0 for char tokenizers, byte 0 (NUL) for BPE. */
const BOUNDARY = 0;

interface Session {
  datasetName: string;
  isWords: boolean;
  tokenizer: Tokenizer;
  tokenizerKind: string;
  vocab: string[];
  model: LanguageModel;
  /** Present for runs built here; absent for imported models until a run is configured. */
  data: TrainingData | null;
  setup: RunSetup | null;
  optimizer: Optimizer | null;
  trainWords: Set<string> | null;
  splitSizes: { train: number; dev: number; test: number };
  step: number;
  /** Saved when a run pauses, so that `start` resumes it exactly where it stopped. */
  paused: TrainingSnapshot | null;
  /** How the data was split, as the CLI records it (`trainer.cli.split`), so `makemore sample` can group samples. */
  split: { dataset: string; kind: 'words' | 'text'; seed: number };
  /** The JSON half of the loop's latest `last` checkpoint (rngState, bestDevLoss, trainer record). */
  lastSaved: Omit<TrainingSnapshot, 'weights' | 'optimizer'> | null;
}

let session: Session | null = null;
let run: TrainingRun | null = null;
let abort: AbortController | null = null;
let status: TrainStatus = 'idle';
let dataBaseUrl = '';
let emit: (event: WorkerEvent) => void = () => {};

function setStatus(next: TrainStatus) {
  status = next;
  emit({ type: 'status', status });
}

function requireSession(): Session {
  if (!session)
    throw new Error('There is no model yet: configure a run on the Train page or load a saved model.');
  return session;
}

function requireIdle(what: string) {
  if (status === 'running') throw new Error(`Pause training before you ${what}.`);
}

// ---------------------------------------------------------------------------------------------------
// Data and tokenizers

async function loadWordsOrText(
  setup: RunSetup,
): Promise<{ name: string; isWords: boolean; words: string[]; text: string }> {
  if (setup.data.kind === 'upload') {
    const { fileName, text, words } = setup.data;
    if (text.length === 0) throw new Error(`${fileName} is empty; choose a text file with some content.`);
    const lines = text.split(/\r?\n/).filter((w) => w.length > 0);
    return { name: fileName, isWords: words, words: words ? lines : [], text };
  }
  const dataset: Dataset = await loadDataset(setup.data.name, { baseUrl: dataBaseUrl });
  const isWords = dataset.kind === 'words';
  return {
    name: dataset.name,
    isWords,
    words: isWords ? (dataset.words ?? []).filter((w) => w.length > 0) : [],
    text: dataset.text,
  };
}

function buildTokenizer(setup: RunSetup, isWords: boolean, words: string[], text: string): Tokenizer {
  if (setup.tokenizer.kind === 'char') {
    return isWords
      ? CharTokenizer.fromText(words.join(''), { specialTokens: ['.'] })
      : CharTokenizer.fromText(text);
  }
  // Byte-level BPE; for words, byte 0 never occurs in the text and serves as the boundary token.
  return BpeTokenizer.train(isWords ? words.join('\n') : text, {
    vocabSize: setup.tokenizer.vocabSize,
    pattern: 'gpt4',
  });
}

function vocabOf(tokenizer: Tokenizer): string[] {
  const list: string[] = [];
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  const bpe = tokenizer as unknown as { tokenBytes?: (id: number) => Uint8Array };
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    list.push(bpe.tokenBytes ? utf8.decode(bpe.tokenBytes(id)) : tokenizer.decode([id]));
  }
  return list;
}

/** Builds a TensorFlow.js model; the count-table bigram is not trainable here and is refused. */
function buildModel(config: ModelConfig): LanguageModel {
  const model = createModel(config);
  if (!isLanguageModel(model)) {
    throw new Error(
      `The "${config.type}" model is a count table, not a trainable network; choose bigram-nn instead.`,
    );
  }
  return model;
}

function isWindowModel(model: RunSetup['model']): boolean {
  return model.type === 'wavenet' || (model.type === 'mlp' && model.inputKind === 'window');
}

// ---------------------------------------------------------------------------------------------------
// Requests

async function configure(setup: RunSetup): Promise<ModelSummary> {
  requireIdle('build a new model');
  disposeSession();
  const source = await loadWordsOrText(setup);
  const tokenizer = buildTokenizer(setup, source.isWords, source.words, source.text);
  const window = isWindowModel(setup.model);
  let blockSize = setup.model.blockSize;
  if (!blockSize) {
    blockSize = source.isWords
      ? window
        ? 3
        : Math.max(...source.words.map((w) => tokenizer.encode(w).length)) + 1
      : 64;
  }
  const config: ModelConfig = {
    ...setup.model,
    vocabSize: tokenizer.vocabSize,
    blockSize,
    seed: setup.model.seed ?? setup.train.seed,
  };
  let data: TrainingData;
  let trainWords: Set<string> | null = null;
  let splitSizes = { train: 0, dev: 0, test: 0 };
  const inputKind = window ? 'window' : 'sequence';
  if (source.isWords) {
    const splits = splitWords(source.words, { seed: setup.train.seed, fractions: [0.8, 0.1, 0.1] });
    trainWords = new Set(splits.train);
    splitSizes = { train: splits.train.length, dev: splits.dev.length, test: splits.test.length };
    data = createTrainingData({
      kind: 'words',
      splits: { train: splits.train, dev: splits.dev, test: splits.test },
      tokenizer,
      inputKind,
      blockSize,
      boundaryToken: BOUNDARY,
      info: { name: source.name, seed: setup.train.seed },
    });
  } else {
    const tokens = tokenizer.encode(source.text);
    data = createTrainingData({ kind: 'text', tokens, blockSize, inputKind, info: { name: source.name } });
    splitSizes = { train: data.size('train'), dev: data.size('val'), test: 0 };
  }
  const model = buildModel(config);
  session = {
    datasetName: source.name,
    isWords: source.isWords,
    tokenizer,
    tokenizerKind: setup.tokenizer.kind,
    vocab: vocabOf(tokenizer),
    model,
    data,
    setup,
    optimizer: null,
    trainWords,
    splitSizes,
    step: 0,
    paused: null,
    split: { dataset: source.name, kind: source.isWords ? 'words' : 'text', seed: setup.train.seed },
    lastSaved: null,
  };
  setStatus('idle');
  return summarize(session);
}

function summarize(s: Session): ModelSummary {
  return {
    config: s.model.config,
    numParams: s.model.numParams(),
    datasetName: s.datasetName,
    tokenizerKind: s.tokenizerKind,
    vocab: s.vocab,
    step: s.step,
    isWords: s.isWords,
    splitSizes: s.splitSizes,
  };
}

function makeOptimizer(s: Session): Optimizer {
  const t = s.setup!.train;
  return t.optimizer === 'sgd'
    ? new SGD(s.model.parameters(), { lr: t.learningRate })
    : new AdamW(s.model.parameters(), { lr: t.learningRate, weightDecay: t.weightDecay });
}

function makeSchedule(s: Session): Schedule {
  const t = s.setup!.train;
  if (t.schedule === 'step') {
    // The lecture's drop to a tenth, placed at the run's midpoint.
    return stepDecay({
      values: [t.learningRate, t.learningRate / 10],
      boundaries: [Math.max(1, Math.floor(t.steps / 2))],
    });
  }
  if (t.schedule === 'cosine') {
    const warmup = Math.min(100, Math.floor(t.steps / 10));
    return cosineWithWarmup({
      maxLr: t.learningRate,
      minLr: t.learningRate / 10,
      warmupSteps: warmup,
      decaySteps: t.steps,
    });
  }
  return constant(t.learningRate);
}

/**
 * Receives the loop's checkpoints: the JSON part of each `last` one is kept for exports, and a full copy
 * of the one saved when the run is aborted (a pause), so that `start` resumes exactly.
 */
function pauseSink(signal: AbortSignal): CheckpointSink {
  return {
    save(snapshot, slot) {
      if (!session) return;
      if (slot === 'last') {
        const { weights: _w, optimizer: _o, ...json } = snapshot;
        session.lastSaved = JSON.parse(JSON.stringify(json));
      }
      if (!signal.aborted) return;
      if (session.paused) disposeSnapshot(session.paused);
      session.paused = cloneSnapshot(snapshot);
    },
  };
}

function disposePaused(s: Session) {
  if (s.paused) disposeSnapshot(s.paused);
  s.paused = null;
}

async function start(): Promise<null> {
  const s = requireSession();
  if (status === 'running') return null;
  if (!s.data || !s.setup)
    throw new Error('This model was imported without a training setup; configure a run on the Train page.');
  if (s.step >= s.setup.train.steps && !s.paused)
    throw new Error('This run has finished; press Reset or Start a new one.');
  s.optimizer ??= makeOptimizer(s);
  const controller = new AbortController();
  abort = controller;
  const t = s.setup.train;
  const resume = s.paused ?? undefined;
  const startStep = s.step;
  const job = train({
    model: s.model,
    data: s.data,
    optimizer: s.optimizer,
    schedule: makeSchedule(s),
    steps: t.steps,
    batchSize: t.batchSize,
    evalEvery: t.evalEvery,
    evalIters: t.evalIters,
    sampleEvery: t.sampleEvery,
    sample: (model, ctx) => sampleTexts(s, model, liveSampleOptions(s, ctx.seed)).map((x) => x.text),
    checkpoint: pauseSink(controller.signal),
    signal: controller.signal,
    seed: t.seed,
    tokenizer: s.tokenizer.toJSON(),
    ...(resume ? { resume } : {}),
  });
  run = job;
  setStatus('running');
  job.on('step', (e) => {
    s.step = e.step;
    const seconds = e.elapsedMs / 1000;
    const stepsPerSecond = seconds > 0 ? (e.step - startStep) / seconds : 0;
    emit({
      type: 'step',
      step: e.step,
      loss: e.loss,
      lr: e.lr,
      stepsPerSecond,
      etaSeconds: stepsPerSecond > 0 ? (t.steps - e.step) / stepsPerSecond : Number.POSITIVE_INFINITY,
    });
  });
  job.on('eval', (e) => {
    const trainLoss = e.losses.train ?? Number.NaN;
    const devLoss = e.losses.dev ?? e.losses.val ?? Number.NaN;
    emit({ type: 'eval', step: e.step, train: trainLoss, dev: devLoss });
  });
  job.on('sample', (e) => {
    emit({
      type: 'samples',
      step: e.step,
      samples: e.samples.map((text) => ({ text, inTrain: s.trainWords ? s.trainWords.has(text) : null })),
    });
  });
  job.result.then(
    (result) => {
      if (run !== job) return;
      run = null;
      if (result.reason === 'completed') {
        disposePaused(s);
        setStatus('done');
      } else setStatus('paused');
    },
    (error: unknown) => {
      if (run !== job) return;
      run = null;
      setStatus('paused');
      emit({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    },
  );
  return null;
}

async function pause(): Promise<null> {
  if (!run || !abort) return null;
  const job = run;
  abort.abort();
  await job.result.catch(() => undefined);
  return null;
}

async function reset(): Promise<null> {
  await pause();
  const s = requireSession();
  disposePaused(s);
  s.optimizer?.dispose();
  s.optimizer = null;
  const fresh = buildModel(s.model.config);
  s.model.dispose();
  s.model = fresh;
  s.step = 0;
  setStatus('idle');
  return null;
}

function disposeSession() {
  if (!session) return;
  disposePaused(session);
  session.optimizer?.dispose();
  session.model.dispose();
  session = null;
}

// ---------------------------------------------------------------------------------------------------
// Sampling

function liveSampleOptions(s: Session, seed: number): SampleOptions {
  return s.isWords
    ? { count: 12, temperature: 1, topK: null, seed, prompt: '', maxTokens: s.model.blockSize + 20 }
    : { count: 1, temperature: 1, topK: null, seed, prompt: '', maxTokens: 200 };
}

/**
 * How sample `i` is drawn: a word starts from the boundary token (plus the prompt) and stops at it; a text
 * starts from the prompt, or from id 0 as nanoGPT starts from a zero token. Seeds are `seed + i`.
 */
function sampleSetup(s: Session, o: SampleOptions, i: number) {
  const promptIds = o.prompt ? s.tokenizer.encode(o.prompt) : [];
  const context = s.isWords ? [BOUNDARY, ...promptIds] : promptIds.length > 0 ? promptIds : [0];
  const options = {
    context,
    maxNewTokens: s.isWords ? Math.min(o.maxTokens, 100) : o.maxTokens,
    temperature: o.temperature,
    ...(o.topK ? { topK: o.topK } : {}),
    seed: o.seed + i,
    ...(s.isWords ? { stopToken: BOUNDARY } : {}),
  };
  const prefix = promptIds.length > 0 ? o.prompt : '';
  const toSample = (ids: number[]): Sample => {
    const text = prefix + s.tokenizer.decode(ids);
    return { text, inTrain: s.trainWords ? s.trainWords.has(text) : null };
  };
  return { options, toSample };
}

/** Samples in one go (used between training steps). */
function sampleTexts(s: Session, model: LanguageModel, o: SampleOptions): Sample[] {
  return Array.from({ length: o.count }, (_, i) => {
    const { options, toSample } = sampleSetup(s, o, i);
    return toSample(generate(model, options));
  });
}

/** Samples token by token with the models package's async stream, showing the text as it grows. */
async function sample(o: SampleOptions): Promise<Sample[]> {
  requireIdle('sample');
  const s = requireSession();
  const wasTraining = s.model.training;
  s.model.setTraining(false);
  const done: Sample[] = [];
  let lastPost = 0;
  try {
    for (let i = 0; i < o.count; i++) {
      const { options, toSample } = sampleSetup(s, o, i);
      const ids: number[] = [];
      for await (const id of generateStreamAsync(s.model, options)) {
        ids.push(id);
        const now = performance.now();
        if (now - lastPost > 100) {
          lastPost = now;
          emit({ type: 'sampling', samples: [...done, toSample(ids)] });
        }
      }
      done.push(toSample(ids));
    }
    return done;
  } finally {
    s.model.setTraining(wasTraining);
  }
}

// ---------------------------------------------------------------------------------------------------
// Checkpoints in the CLI's format

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * The model as one slot of a CLI checkpoint (what `makemore train --out <dir>` writes to `<dir>/last/`):
 * `config.json` in the trainer's checkpoint format, `model.safetensors` and `optimizer.safetensors`.
 */
function exportCheckpoint(): { result: CheckpointFiles; transfer: Transferable[] } {
  requireIdle('export the model');
  const s = requireSession();
  const t = s.setup?.train;
  const saved = s.lastSaved;
  const optimizer = s.optimizer?.getState() ?? {
    config: { type: 'sgd' as const, lr: t?.learningRate ?? 0.1 },
    step: 0,
    tensors: {},
  };
  try {
    const config = {
      format: 'makemore-checkpoint',
      formatVersion: 1,
      model: s.model.config,
      tokenizer: s.tokenizer.toJSON(),
      dataset: {
        ...(s.data?.describe() ?? {}),
        ...(saved?.dataset ?? {}),
        dataset: s.split.dataset,
        kind: s.split.kind,
        seed: s.split.seed,
      },
      trainer: {
        steps: t?.steps ?? s.step,
        batchSize: t?.batchSize ?? 32,
        seed: t?.seed ?? s.split.seed,
        evalEvery: t?.evalEvery ?? 0,
        evalIters: t?.evalIters ?? 0,
        ...(saved?.trainer ?? {}),
        cli: { split: s.split, producer: 'makemore.ts demo' },
      },
      step: s.step,
      bestDevLoss: saved?.bestDevLoss ?? null,
      // The sampler's RNG state after the last checkpointed step (a fresh one before any training).
      rngState: saved?.rngState ?? new Rng(t?.seed ?? s.split.seed).state,
      versions: { demo: '0.1.0', '@tensorflow/tfjs-core': tf.version_core, backend: tf.getBackend() },
      optimizer: { config: optimizer.config, step: optimizer.step },
    };
    const model = arrayBufferOf(serializeSafetensors(s.model.stateDict()));
    const optimizerBytes = arrayBufferOf(serializeSafetensors(optimizer.tensors));
    return {
      result: {
        configJson: `${JSON.stringify(config, null, 2)}\n`,
        safetensors: model,
        optimizerSafetensors: optimizerBytes,
      },
      transfer: [model, optimizerBytes],
    };
  } finally {
    tf.dispose(Object.values(optimizer.tensors));
  }
}

/** Reads a string field from a loosely typed JSON record. */
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

async function importCheckpoint(files: CheckpointFiles): Promise<ModelSummary> {
  requireIdle('load another model');
  let parsed: {
    model?: ModelConfig;
    tokenizer?: unknown;
    dataset?: Record<string, unknown>;
    trainer?: { cli?: { split?: Record<string, unknown> } };
    step?: number;
  };
  try {
    parsed = JSON.parse(files.configJson);
  } catch (e) {
    throw new Error(`config.json is not valid JSON: ${(e as Error).message}`);
  }
  if (!parsed.model || typeof parsed.model !== 'object') {
    throw new Error(
      'config.json has no "model" object; it should be the config.json of a makemore checkpoint.',
    );
  }
  if (parsed.tokenizer === undefined) {
    throw new Error('config.json has no "tokenizer"; the demo needs it to turn ids back into text.');
  }
  const tokenizer = tokenizerFromJSON(
    parsed.tokenizer as Parameters<typeof tokenizerFromJSON>[0],
  ) as Tokenizer;
  const model = buildModel(parsed.model);
  try {
    const weights = tensorsFromSafetensors(parseSafetensors(new Uint8Array(files.safetensors)));
    try {
      model.loadStateDict(weights);
    } finally {
      tf.dispose(Object.values(weights));
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  disposeSession();
  // The CLI records the split under trainer.cli.split and the dataset under dataset.dataset.
  const record = { ...(parsed.dataset ?? {}), ...(parsed.trainer?.cli?.split ?? {}) };
  const datasetName = str(record.dataset) ?? str(record.name) ?? 'unknown data';
  const isWords = record.kind === 'words';
  const seed = typeof record.seed === 'number' ? record.seed : 42;
  let trainWords: Set<string> | null = null;
  if (isWords && ['names', 'verbs'].includes(datasetName)) {
    // Rebuild the run's split (same seed, same rule) to tell training words from new ones.
    const dataset = await loadDataset(datasetName, { baseUrl: dataBaseUrl }).catch(() => null);
    if (dataset?.words)
      trainWords = new Set(
        splitWords(
          dataset.words.filter((w) => w.length > 0),
          { seed },
        ).train,
      );
  }
  session = {
    datasetName,
    isWords,
    tokenizer,
    tokenizerKind: (parsed.tokenizer as { type?: string }).type ?? 'imported',
    vocab: vocabOf(tokenizer),
    model,
    data: null,
    setup: null,
    optimizer: null,
    trainWords,
    splitSizes: { train: trainWords?.size ?? 0, dev: 0, test: 0 },
    step: typeof parsed.step === 'number' ? parsed.step : 0,
    paused: null,
    split: { dataset: datasetName, kind: isWords ? 'words' : 'text', seed },
    lastSaved: null,
  };
  setStatus('idle');
  return summarize(session);
}

// ---------------------------------------------------------------------------------------------------
// Explore

function embeddings(): Results['embeddings'] {
  requireIdle('read the embeddings');
  const s = requireSession();
  const vocab = s.model.vocabSize;
  let table: tf.Variable | null = null;
  for (const [name, v] of s.model.parameters()) {
    if (
      v.rank === 2 &&
      (v.shape[0] === vocab || v.shape[0] === vocab + 1) &&
      /wte|emb|^C$|\.C$/i.test(name)
    ) {
      table = v;
      break;
    }
  }
  if (!table) {
    for (const v of s.model.parameters().values()) {
      if (v.rank === 2 && v.shape[0] === vocab) {
        table = v;
        break;
      }
    }
  }
  if (!table) throw new Error(`The ${s.model.config.type} model has no token embedding table to plot.`);
  const [rows, dims] = table.shape as [number, number];
  const values = table.dataSync() as Float32Array;
  const { x, y, method } = projectTo2d(values.subarray(0, vocab * dims), vocab, dims);
  return { labels: s.vocab.slice(0, Math.min(rows, vocab)), x, y, method };
}

async function lrFind(steps: number, minLr: number, maxLr: number): Promise<Results['lrFind']> {
  requireIdle('run the learning-rate finder');
  const s = requireSession();
  if (!s.data || !s.setup)
    throw new Error('The learning-rate finder needs training data: configure a run first.');
  // A fresh copy, so the sweep does not disturb the model being trained.
  const probe = buildModel(s.model.config);
  try {
    const t = s.setup.train;
    const curve = await findLearningRate({
      model: probe,
      data: s.data,
      optimizer: (params) =>
        t.optimizer === 'sgd' ? new SGD(params, { lr: minLr }) : new AdamW(params, { lr: minLr }),
      batchSize: t.batchSize,
      steps,
      minLr,
      maxLr,
      seed: t.seed,
      restore: false,
    });
    return { lrs: curve.lrs, losses: curve.smoothed, suggested: curve.suggested };
  } finally {
    probe.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------

/** Runs one request; `onEvent` receives training events for as long as the worker lives. */
export async function handle(
  message: Request,
  onEvent: (event: WorkerEvent) => void,
): Promise<{ result: unknown; transfer?: Transferable[] }> {
  emit = onEvent;
  switch (message.type) {
    case 'init': {
      dataBaseUrl = message.dataBaseUrl;
      const choice = await useBestBackend({
        wasmPaths: message.wasmBaseUrl,
        ...(message.prefer ? { prefer: message.prefer } : {}),
        ...(message.threads ? { threads: message.threads } : {}),
      });
      return {
        result: {
          backend: choice.backend,
          reason: choice.reason,
          threads: choice.threads,
          crossOriginIsolated: Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated),
        },
      };
    }
    case 'configure':
      return { result: await configure(message.setup) };
    case 'start':
      return { result: await start() };
    case 'pause':
      return { result: await pause() };
    case 'reset':
      return { result: await reset() };
    case 'sample':
      return { result: await sample(message.options) };
    case 'export':
      return exportCheckpoint();
    case 'import':
      return { result: await importCheckpoint(message.files) };
    case 'embeddings':
      return { result: embeddings() };
    case 'attention': {
      requireIdle('read attention weights');
      const s = requireSession();
      return { result: attentionMaps(s.model, s.tokenizer, s.isWords ? BOUNDARY : null, message.text) };
    }
    case 'lrFind':
      return { result: await lrFind(message.steps, message.minLr, message.maxLr) };
    case 'memory': {
      const { numTensors, numBytes } = tf.memory();
      return { result: { numTensors, numBytes } };
    }
  }
}
