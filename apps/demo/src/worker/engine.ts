/**
 * The engine that runs inside the training worker. It owns no training logic: a run is a @makemore/run
 * spec, which `prepareRun` turns into the tokenizer, the split, the batches, the model, the optimizer and
 * the schedule, exactly as the CLI does; the trainer's `train` runs it; `generateStream` samples, streamed; and the
 * trainer's checkpoint codec moves runs in and out as the CLI's files. This file wires that to messages
 * and keeps what the page needs between them (a paused run's snapshot, the latest checkpoint).
 */
import { useBestBackend } from '@makemore/backend';
import { type Dataset, datasetFromText, isBuiltinDataset, loadDataset } from '@makemore/datasets';
import {
  createModel,
  createTextStream,
  generateStream,
  type HfGpt2Config,
  hfGpt2FromSafetensors,
  isLanguageModel,
  type LanguageModel,
  MemoryLimitError,
  type MemoryLimits,
  type ModelConfig,
  WASM_HEAP_BYTES,
  parseSafetensors,
  serializeSafetensors,
  tensorsFromSafetensors,
} from '@makemore/models';
import { Rng } from '@makemore/random';
import {
  buildOptimizer,
  type InitSource,
  type PreparedRun,
  planResume,
  prepareRun,
  type RunSpec,
  RunSpecError,
  type RunSpecInput,
  type RunTokenizer,
  resolveRunSpec,
  specForInit,
  specOfSnapshot,
} from '@makemore/run';
import { getEncoding, tokenizerFromJSON } from '@makemore/tokenizers';
import {
  type CheckpointSink,
  cloneSnapshot,
  decodeCheckpoint,
  disposeSnapshot,
  encodeCheckpoint,
  findLearningRate,
  type TrainingRun,
  type TrainingSnapshot,
  train,
} from '@makemore/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { attentionMaps } from './attention';
import { projectTo2d } from './projection';
import type {
  CheckpointFiles,
  ModelSummary,
  Request,
  Results,
  RunRequest,
  Sample,
  SampleOptions,
  TrainStatus,
  WorkerEvent,
} from './protocol';

/** The boundary token of word datasets: `.` at id 0 of the char tokenizer (`BOUNDARY_TOKEN`). */
const BOUNDARY = 0;

/**
 * The weights a fine-tuned run started from, kept as safetensors bytes (outside TensorFlow.js's memory,
 * so the model they came from can be disposed): Reset, Start new run and a failed first step go back to
 * them. A page reload does not keep them (the autosave holds the run's own weights; `initFrom` only names
 * these).
 */
interface StartingWeights {
  from: string;
  model: ModelConfig;
  bytes: Uint8Array;
}

interface Session {
  datasetName: string;
  kind: 'words' | 'text' | 'documents';
  tokenizer: RunTokenizer;
  vocab: string[];
  model: LanguageModel;
  /** The prepared run (model, batches, optimizer, schedule); null for a model imported without a spec. */
  run: PreparedRun | null;
  /** The dataset it was prepared from, kept so that Reset prepares the same run again. */
  dataset: Dataset | null;
  trainWords: Set<string> | null;
  splitSizes: Record<string, number>;
  step: number;
  /** A paused run's snapshot, or an imported checkpoint's: `start` resumes exactly from it. */
  paused: TrainingSnapshot | null;
  /** The loop's latest `last` checkpoint, encoded: what Export and Save hand out after a finished run. */
  lastFiles: CheckpointFiles | null;
  origin: 'configured' | 'imported';
  /** For a run that started from trained weights (`spec.initFrom`), those weights while this tab holds them. */
  init: StartingWeights | null;
}

let session: Session | null = null;
let running: TrainingRun | null = null;
let abort: AbortController | null = null;
let status: TrainStatus = 'idle';
let dataBaseUrl = '';
let emit: (event: WorkerEvent) => void = () => {};
/** Set while an autosave pauses and resumes the run: the page sees no pause. */
let quietPause = false;
/** The e2e tests' hook (`hang` request): the next step never returns, as a hung kernel would. */
let hangNextStep = false;

function setStatus(next: TrainStatus) {
  status = next;
  // An autosave's pause and resume stay unseen; a run that ends (or fails) meanwhile is reported.
  if (!(quietPause && (next === 'paused' || next === 'running'))) emit({ type: 'status', status });
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
// Data

/** The dataset a spec names: an upload, or a built-in one served next to the site. */
async function loadData(spec: RunSpec, upload: RunRequest['upload']): Promise<Dataset> {
  if (upload && upload.fileName === spec.data.dataset) {
    if (upload.text.trim().length === 0) {
      throw new RunSpecError(
        'data.dataset',
        `${upload.fileName} is empty or only whitespace; choose a text file with some content`,
      );
    }
    return datasetFromText(upload.text, { name: upload.fileName, kind: upload.kind });
  }
  if (!isBuiltinDataset(spec.data.dataset)) {
    throw new RunSpecError(
      'data.dataset',
      `'${spec.data.dataset}' is not a built-in dataset (names, verbs, shakespeare, sotu); upload the file to train on it`,
    );
  }
  return loadDataset(spec.data.dataset, { baseUrl: dataBaseUrl });
}

function vocabOf(tokenizer: RunTokenizer): string[] {
  const list: string[] = [];
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  const bpe = tokenizer as unknown as { tokenBytes?: (id: number) => Uint8Array };
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    list.push(bpe.tokenBytes ? utf8.decode(bpe.tokenBytes(id)) : tokenizer.decode([id]));
  }
  return list;
}

/** The training words of a prepared word-list run, to mark samples as seen or new. */
function trainWordsOf(run: PreparedRun): Set<string> | null {
  return run.splits.kind === 'words' ? new Set(run.splits.words.train ?? []) : null;
}

function summarize(s: Session): ModelSummary {
  return {
    config: s.model.config,
    numParams: s.model.numParams(),
    datasetName: s.datasetName,
    tokenizerKind: (s.tokenizer.toJSON() as { type?: string }).type ?? 'char',
    vocab: s.vocab,
    step: s.step,
    isWords: s.kind === 'words',
    splitSizes: s.splitSizes,
    spec: s.run?.spec ?? null,
    origin: s.origin,
    startingWeights: s.init?.from ?? null,
  };
}

function sessionOf(run: PreparedRun, dataset: Dataset, origin: Session['origin']): Session {
  return {
    datasetName: run.datasetName,
    kind: run.kind,
    tokenizer: run.tokenizer,
    vocab: vocabOf(run.tokenizer),
    model: run.model,
    run,
    dataset,
    trainWords: trainWordsOf(run),
    splitSizes: run.splitSizes,
    step: 0,
    paused: null,
    lastFiles: null,
    origin,
    init: null,
  };
}

// ---------------------------------------------------------------------------------------------------
// Runs

/**
 * The memory a run may use in this tab: the wasm heap on wasm, else what a browser tab can count on.
 * `prepareRun` checks its estimate against it before it allocates anything.
 */
function memoryLimits(): MemoryLimits {
  return tf.getBackend() === 'wasm'
    ? { totalBytes: WASM_HEAP_BYTES, totalLabel: 'the wasm heap' }
    : { totalBytes: 2 * 1024 ** 3, totalLabel: 'what a browser tab can count on' };
}

/** The spec field a memory knob of @makemore/models' estimate is set by. */
function fieldOfKnob(knob: string): string {
  return knob === 'batchSize' ? 'training.batchSize' : `model.${knob}`;
}

/**
 * Checks a block size against the data before any windows are built: a block longer than every example
 * only pads (and, for long blocks, builds gigabytes of windows and hangs the tab).
 */
function checkBlockSize(spec: RunSpec, dataset: Dataset): void {
  const block = spec.model.blockSize;
  if (typeof block !== 'number' || block === 0) return;
  if (dataset.kind === 'words') {
    let longest = 0;
    for (const w of dataset.words ?? []) longest = Math.max(longest, w.length);
    if (block > longest + 1) {
      throw new RunSpecError(
        'model.blockSize',
        `block size ${block} is longer than any example: the longest line of ${dataset.name} has ${longest} characters, so a block of ${longest + 1} (or 0 = auto) already sees a whole one; use at most ${longest + 1}`,
      );
    }
  } else if (block * 4 > dataset.text.length) {
    throw new RunSpecError(
      'model.blockSize',
      `block size ${block} is too long for ${dataset.name} (${dataset.text.length.toLocaleString('en')} characters): every split needs several blocks; use at most ${Math.floor(dataset.text.length / 4)}`,
    );
  }
}

/** Every split must give examples, so that a run can batch and evaluate: checked before the old run goes. */
function checkSplits(run: PreparedRun): void {
  for (const split of run.data.splits) {
    if (run.data.size(split) < 1) {
      const sizes = run.data.splits.map((name) => `${name} ${run.data.size(name)}`).join(', ');
      throw new RunSpecError(
        'data.dataset',
        `${run.datasetName} gives split '${split}' no examples (${sizes}); choose a larger file (a few dozen lines at least)`,
      );
    }
  }
}

/**
 * `prepareRun` with the demo's checks: block size against the data, memory, every split non-empty.
 * `init` gives the trained weights a spec with `initFrom` starts from (and their tokenizer).
 */
function prepareChecked(
  spec: RunSpec,
  dataset: Dataset,
  from: { tokenizer?: RunTokenizer; init?: InitSource } = {},
): PreparedRun {
  checkBlockSize(spec, dataset);
  let run: PreparedRun;
  try {
    run = prepareRun(spec, dataset, {
      onProgress: (label) => emit({ type: 'progress', label, fraction: 0 }),
      memory: memoryLimits(),
      ...(from.tokenizer ? { tokenizer: from.tokenizer } : {}),
      ...(from.init ? { init: from.init } : {}),
    });
  } catch (error) {
    if (error instanceof MemoryLimitError) {
      throw new RunSpecError(fieldOfKnob(error.estimate.knobs[0] ?? 'batchSize'), error.message);
    }
    throw error;
  }
  try {
    checkSplits(run);
  } catch (error) {
    run.dispose();
    throw error;
  }
  return run;
}

/** Builds a new run; the old one stays until the new one is valid. */
async function configure(request: RunRequest): Promise<ModelSummary> {
  requireIdle('build a new model');
  const spec = resolveRunSpec(request.spec);
  const dataset = await loadData(spec, request.upload);
  const run = prepareChecked(spec, dataset);
  disposeSession();
  session = sessionOf(run, dataset, 'configured');
  setStatus('idle');
  return summarize(session);
}

// ---------------------------------------------------------------------------------------------------
// Fine-tuning: a new run that starts from the session's model (nanoGPT's `init_from`)

/**
 * The weights a run named `from` starts from: the starting weights the session still holds under that
 * name (Start new run of a fine-tuned run), else the session's model as it is now.
 */
function sourceOf(s: Session, from: string): { model: ModelConfig; held: StartingWeights | null } {
  if (s.init?.from === from) return { model: s.init.model, held: s.init };
  return { model: s.model.config, held: null };
}

/**
 * The partial spec of a run that starts from the session's model: `input` (the form's data, optimizer,
 * schedule and loop) with `initFrom` and the weights' model and tokenizer, as @makemore/run's
 * `specForInit` decides. The Train form shows it in fine-tune mode.
 */
function initSpec(input: RunSpecInput, from: string): RunSpecInput {
  const s = requireSession();
  return specForInit(input, { from, model: sourceOf(s, from).model });
}

/** Runs `use` with the tensors of starting weights, and disposes them afterwards. */
function withWeights<T>(s: Session, held: StartingWeights, use: (init: InitSource) => T): T {
  const weights = tensorsFromSafetensors(parseSafetensors(held.bytes));
  try {
    return use({ from: held.from, model: held.model, tokenizer: s.tokenizer, weights });
  } finally {
    tf.dispose(Object.values(weights));
  }
}

/**
 * Builds a run that starts from the session's model (or from the weights the current fine-tuned run
 * started from, when `from` names them): `specForInit` makes the spec, `prepareRun` loads the weights
 * into the new model, and the old model is disposed once the new run is valid. The new run has a fresh
 * optimizer and schedule; it pauses, resumes, saves and exports like any other.
 */
async function fineTune(request: RunRequest, from: string): Promise<ModelSummary> {
  requireIdle('fine-tune the model');
  const s = requireSession();
  const source = sourceOf(s, from);
  const spec = resolveRunSpec(specForInit(request.spec, { from, model: source.model }));
  const dataset = await loadData(spec, request.upload);
  // The starting weights as bytes, kept by the new session so that Reset can go back to them.
  const held: StartingWeights = source.held ?? {
    from,
    model: source.model,
    bytes: serializeSafetensors(s.model.stateDict()),
  };
  // The held model's own tensors when it is the source (no second copy in TensorFlow.js's memory).
  const run = source.held
    ? withWeights(s, source.held, (init) => prepareChecked(spec, dataset, { init }))
    : prepareChecked(spec, dataset, {
        init: { from, model: source.model, tokenizer: s.tokenizer, weights: s.model.stateDict() },
      });
  disposeSession();
  session = sessionOf(run, dataset, 'configured');
  session.init = held;
  setStatus('idle');
  return summarize(session);
}

/**
 * The run of `spec` prepared afresh, at step 0: for a run that started from trained weights, from those
 * weights again (refused, in plain words, once this tab no longer holds them).
 */
function prepareFresh(s: Session, spec: RunSpec, dataset: Dataset): PreparedRun {
  if (spec.initFrom === undefined) return prepareRun(spec, dataset, { tokenizer: s.tokenizer });
  if (!s.init) {
    throw new RunSpecError(
      'initFrom',
      `this run started from the weights of ${spec.initFrom}, which this tab no longer holds (the page was reloaded since): load that model on the Models page and fine-tune it again to start over`,
    );
  }
  return withWeights(s, s.init, (init) => prepareRun(spec, dataset, { tokenizer: s.tokenizer, init }));
}

/**
 * Applies the form's changes to the current run from its checkpoint, as `planResume` allows (the data,
 * the model and the optimizer's kind stay; the rest may change): the weights and the optimizer state are
 * kept, the spec is changed, and each change is reported as a notice.
 */
async function apply(changes: RunSpecInput): Promise<ModelSummary> {
  requireIdle('apply changes');
  const s = requireSession();
  const old = s.run;
  if (!old || !s.dataset)
    throw new Error('This model was imported without its run spec; start a new run instead.');
  const plan = planResume(old.spec, changes, s.step);
  if (!s.paused && s.step > 0 && s.lastFiles) s.paused = decodeCheckpoint(s.lastFiles);
  const dataset = s.dataset;
  const held = s.init;
  // With no checkpoint yet (step 0), a fine-tuned run starts again from the weights it started from.
  const next =
    !s.paused && plan.spec.initFrom !== undefined && held
      ? withWeights(s, held, (init) => prepareChecked(plan.spec, dataset, { tokenizer: s.tokenizer, init }))
      : prepareChecked(plan.spec, dataset, { tokenizer: s.tokenizer });
  if (s.paused) next.model.loadStateDict(s.paused.weights);
  old.dispose();
  s.run = next;
  s.model = next.model;
  for (const message of plan.notes) emit({ type: 'notice', message });
  setStatus(s.step > 0 ? 'paused' : 'idle');
  return summarize(s);
}

/**
 * After a failed step (a NaN loss) the model's weights are broken: go back to the newest good checkpoint
 * (a pause's, an evaluation's, or step 0) so that Apply and Start continue from there.
 */
function rewind(s: Session): void {
  const run = s.run;
  if (!run || !s.dataset) return;
  let snapshot = s.paused;
  if (s.lastFiles) {
    const last = decodeCheckpoint(s.lastFiles);
    if (!snapshot || last.step >= snapshot.step) {
      disposePaused(s);
      snapshot = last;
    } else disposeSnapshot(last);
  }
  if (snapshot) {
    s.paused = snapshot;
    s.step = snapshot.step;
    s.model.loadStateDict(snapshot.weights);
  } else {
    s.step = 0;
    const fresh = prepareFresh(s, run.spec, s.dataset);
    run.dispose();
    s.run = fresh;
    s.model = fresh.model;
  }
  emit({ type: 'rewound', step: s.step });
}

/**
 * Receives the loop's checkpoints: each `last` one is encoded (the bytes Export hands out), and the one
 * saved when the run is aborted (a pause) is also kept as tensors, so that `start` resumes exactly.
 */
function checkpointSink(s: Session, signal: AbortSignal): CheckpointSink {
  return {
    save(snapshot, slot) {
      if (slot !== 'last') return;
      s.lastFiles = encodeCheckpoint(snapshot);
      if (!signal.aborted) return;
      disposePaused(s);
      s.paused = cloneSnapshot(snapshot);
    },
  };
}

function disposePaused(s: Session) {
  if (s.paused) disposeSnapshot(s.paused);
  s.paused = null;
}

/** A paused or imported run asked to train to `steps` instead: checked and noted by `planResume`. */
function changeSteps(s: Session, run: PreparedRun, steps: number): void {
  if (steps === run.spec.training.steps) return;
  const plan = planResume(run.spec, { training: { steps } }, s.step);
  run.spec.training.steps = plan.spec.training.steps;
  for (const message of plan.notes) emit({ type: 'notice', message });
}

async function start(steps?: number): Promise<null> {
  const s = requireSession();
  if (status === 'running') return null;
  const run = s.run;
  if (!run)
    throw new Error(
      'This model was imported without its run spec and optimizer state; configure a run on the Train page.',
    );
  if (steps !== undefined && (s.paused || s.step > 0)) changeSteps(s, run, steps);
  const total = run.spec.training.steps;
  if (s.step >= total && !s.paused)
    throw new Error('This run has finished; raise Steps to continue, or press Reset or Start a new one.');
  const controller = new AbortController();
  abort = controller;
  const resume = s.paused ?? undefined;
  const startStep = s.step;
  const job = train(
    run.trainOptions({
      steps: total,
      checkpoint: checkpointSink(s, controller.signal),
      signal: controller.signal,
      ...(resume ? { resume } : {}),
    }),
  );
  running = job;
  setStatus('running');
  emit({ type: 'start', step: startStep, spec: run.spec, splitSizes: s.splitSizes });
  job.on('step', (e) => {
    // The test hook: this step never returns, as a hung kernel would; only terminating the worker helps.
    // (The loop writes a global, so that no bundler drops it as an empty loop.)
    for (let spins = 0; hangNextStep; spins++) (globalThis as { hungSpins?: number }).hungSpins = spins;
    s.step = e.step;
    const seconds = e.elapsedMs / 1000;
    const stepsPerSecond = seconds > 0 ? (e.step - startStep) / seconds : 0;
    emit({
      type: 'step',
      step: e.step,
      loss: e.loss,
      lr: e.lr,
      stepsPerSecond,
      etaSeconds: stepsPerSecond > 0 ? (total - e.step) / stepsPerSecond : Number.POSITIVE_INFINITY,
    });
  });
  job.on('eval', (e) => {
    const trainLoss = e.losses.train ?? Number.NaN;
    const devLoss = e.losses.dev ?? e.losses.val ?? e.losses.test ?? Number.NaN;
    emit({ type: 'eval', step: e.step, train: trainLoss, dev: devLoss, losses: { ...e.losses } });
  });
  job.on('sample', (e) => {
    emit({ type: 'samples', step: e.step, samples: e.samples.map((text) => tagSample(s, text)) });
  });
  job.result.then(
    (result) => {
      if (running !== job) return;
      running = null;
      if (result.reason === 'completed') {
        disposePaused(s);
        setStatus('done');
      } else setStatus('paused');
    },
    (error: unknown) => {
      if (running !== job) return;
      running = null;
      // A broken run is stopped, not paused: its weights go back to the last good checkpoint.
      try {
        rewind(s);
      } finally {
        setStatus('stopped');
        emit({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    },
  );
  return null;
}

async function pause(): Promise<null> {
  if (!running || !abort) return null;
  const job = running;
  abort.abort();
  await job.result.catch(() => undefined);
  return null;
}

/** Back to step 0: the same spec prepared again (same split, same tokenizer, same initial weights). */
async function reset(): Promise<null> {
  await pause();
  const s = requireSession();
  // Prepared first: a run whose starting weights are gone is refused before anything is lost.
  const fresh = s.run && s.dataset ? prepareFresh(s, s.run.spec, s.dataset) : null;
  disposePaused(s);
  s.lastFiles = null;
  s.step = 0;
  if (s.run && fresh) {
    s.run.dispose();
    s.run = fresh;
    s.model = fresh.model;
  }
  setStatus('idle');
  return null;
}

function disposeSession() {
  if (!session) return;
  disposePaused(session);
  if (session.run) session.run.dispose();
  else session.model.dispose();
  session = null;
}

// ---------------------------------------------------------------------------------------------------
// Sampling: the same start tokens and seeds as the CLI's `makemore sample`, streamed token by token

function tagSample(s: Session, text: string): Sample {
  return { text, inTrain: s.trainWords ? s.trainWords.has(text) : null };
}

/** Incremental decoding: pieces of text as ids arrive, and what is held back at the end. */
interface PieceDecoder {
  push(ids: readonly number[]): string;
  end(): string;
}

/**
 * A byte-level BPE decodes through its own streaming decoder, which holds back the bytes of a character
 * split across tokens until it is whole (so no U+FFFD appears mid-stream); other tokenizers' whole-sequence
 * decode is made incremental by `createTextStream`. The CLI's `makemore sample` streams the same way.
 */
function pieceDecoder(tokenizer: RunTokenizer): PieceDecoder {
  const streaming = tokenizer as {
    createDecoder?: () => { write(ids: readonly number[]): string; end(): string };
  };
  const decoder = streaming.createDecoder?.();
  if (decoder) return { push: (ids) => decoder.write(ids), end: () => decoder.end() };
  return createTextStream((ids) => tokenizer.decode(ids));
}

/**
 * Draws the samples one by one with `generateStream` (sample `i` with seed `seed + i` and the start tokens
 * of @makemore/run's `sampleTexts`, so the texts are the CLI's), posting each piece of text as its token
 * is drawn, so that the page shows the text growing.
 */
async function sample(o: SampleOptions): Promise<Sample[]> {
  requireIdle('sample');
  const s = requireSession();
  const words = s.kind === 'words';
  let prompt: number[] = [];
  try {
    prompt = o.prompt ? s.tokenizer.encode(o.prompt) : [];
  } catch (error) {
    throw new RunSpecError('sample.prompt', `cannot be encoded: ${(error as Error).message}`);
  }
  let context: number[];
  if (words) context = [BOUNDARY, ...prompt];
  else if (prompt.length > 0) context = prompt;
  else {
    let newline: number[] = [];
    try {
      newline = s.tokenizer.encode('\n').slice(0, 1);
    } catch {}
    context = newline.length > 0 ? newline : [0];
  }
  const shown = words || o.prompt !== '\n' ? o.prompt : '';
  const wasTraining = s.model.training;
  s.model.setTraining(false);
  const done: Sample[] = [];
  try {
    for (let index = 0; index < o.count; index++) {
      const decoder = pieceDecoder(s.tokenizer);
      let text = shown;
      const stream = generateStream(s.model, {
        context,
        maxNewTokens: o.maxTokens,
        temperature: o.temperature,
        ...(o.topK !== null && o.topK > 0 ? { topK: o.topK } : {}),
        seed: o.seed + index,
        ...(words ? { stopToken: BOUNDARY } : {}),
      });
      // The async form reads logits without blocking a GPU backend and gives other messages a turn.
      for await (const id of stream) {
        const piece = decoder.push([id]);
        if (!piece) continue;
        text += piece;
        emit({ type: 'sampling', index, text, done: false, inTrain: null });
      }
      text += decoder.end();
      const tagged = tagSample(s, text);
      done.push(tagged);
      emit({ type: 'sampling', index, text, done: true, inTrain: tagged.inTrain });
    }
    return done;
  } finally {
    s.model.setTraining(wasTraining);
  }
}

// ---------------------------------------------------------------------------------------------------
// Checkpoints: the trainer's codec, the same bytes as `makemore train --out DIR`

/** A snapshot of a run that has not trained yet (step 0), as the loop would save it. */
function freshSnapshot(s: Session, run: PreparedRun): TrainingSnapshot {
  const spec = run.spec;
  const options = run.trainOptions();
  return {
    model: s.model.config,
    tokenizer: s.tokenizer.toJSON(),
    dataset: run.data.describe(),
    trainer: {
      steps: spec.training.steps,
      batchSize: spec.training.batchSize,
      seed: spec.training.seed,
      evalEvery: spec.eval.every,
      evalIters: spec.eval.iters,
      ...(options.record ?? {}),
    },
    step: 0,
    bestDevLoss: null,
    rngState: new Rng(spec.training.seed).state,
    versions: { demo: '0.1.0', '@tensorflow/tfjs-core': tf.version_core, backend: tf.getBackend() },
    weights: s.model.stateDict(),
    optimizer: run.optimizer.getState(),
  };
}

/**
 * The run as checkpoint files: `config.json`, `model.safetensors`, `optimizer.safetensors` (what
 * `makemore train --out DIR` keeps in `DIR/last/`) and `run.json` (its `DIR/run.json`).
 */
function exportCheckpoint(): { result: CheckpointFiles; transfer: Transferable[] } {
  requireIdle('export the model');
  const result = filesOf(requireSession());
  return { result, transfer: Object.values(result).map((bytes) => bytes.buffer) };
}

/** The session's run as checkpoint files (see {@link exportCheckpoint}); it must not be training. */
function filesOf(s: Session): CheckpointFiles {
  if (!s.run) throw new Error('This model was imported without a run; only runs built here export.');
  let files: CheckpointFiles;
  if (s.paused) files = encodeCheckpoint(s.paused);
  else if (s.lastFiles && s.step > 0) files = s.lastFiles;
  else {
    const snapshot = freshSnapshot(s, s.run);
    try {
      files = encodeCheckpoint(snapshot);
    } finally {
      // stateDict() returns the model's own tensors; only the optimizer state's copies are ours.
      tf.dispose(Object.values(snapshot.optimizer.tensors));
    }
  }
  return {
    ...Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, bytes.slice()])),
    'run.json': new TextEncoder().encode(`${JSON.stringify(s.run.spec, null, 2)}\n`),
  };
}

/**
 * The run as checkpoint files for the page's autosave, taken while it trains: the run pauses (which saves
 * an exact snapshot) and resumes at once, with no status change the page would see. Null when there is
 * no run to save.
 */
async function autosave(): Promise<Results['autosave']> {
  const s = session;
  if (!s?.run) return null;
  if (status === 'running' && running) {
    quietPause = true;
    try {
      await pause();
      const files = filesOf(s);
      // The run may have ended during the pause; only a paused one resumes.
      if ((status as TrainStatus) === 'paused') await start();
      return { files, step: s.step };
    } finally {
      quietPause = false;
    }
  }
  return { files: filesOf(s), step: s.step };
}

const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

/** Builds a trainable network from a checkpoint's model config; the count-table bigram is refused. */
function networkOf(config: ModelConfig): LanguageModel {
  const model = createModel(config);
  if (!isLanguageModel(model)) {
    throw new Error(`The "${config.type}" model is a count table, not a network the demo can load.`);
  }
  return model;
}

/**
 * Imports checkpoint files. A full checkpoint that records its run spec (`trainer.run`, or a `run.json`
 * beside it) on a built-in dataset becomes that run again, paused at its step: Resume continues training
 * exactly. Anything else (model weights and a config only) loads as a model that samples.
 */
async function importCheckpoint(
  files: CheckpointFiles,
  upload?: RunRequest['upload'],
): Promise<ModelSummary> {
  requireIdle('load another model');
  const configText = text(files['config.json']);
  if (configText === undefined) throw new Error('config.json is missing; choose it with the other files.');
  if (!files['model.safetensors'])
    throw new Error('model.safetensors is missing; choose it with config.json.');
  let parsed: { format?: string; model?: ModelConfig; tokenizer?: unknown; step?: number } & Record<
    string,
    unknown
  >;
  try {
    parsed = JSON.parse(configText);
  } catch (e) {
    throw new Error(`config.json is not valid JSON: ${(e as Error).message}`);
  }
  if (!parsed.model || typeof parsed.model !== 'object') {
    throw new Error('config.json has no "model" object; it should be the config.json of a checkpoint.');
  }
  if (parsed.tokenizer === undefined) {
    throw new Error('config.json has no "tokenizer"; the demo needs it to turn ids back into text.');
  }
  const tokenizer = tokenizerFromJSON(
    parsed.tokenizer as Parameters<typeof tokenizerFromJSON>[0],
  ) as unknown as RunTokenizer;
  if (parsed.format === 'makemore-checkpoint' && files['optimizer.safetensors']) {
    const resumed = await importRun(files, tokenizer, upload);
    if (resumed) return resumed;
  }
  return importModelOnly(files, parsed, tokenizer);
}

/** A checkpoint with its spec and optimizer state, as a paused run; null when its data is not here. */
async function importRun(
  files: CheckpointFiles,
  tokenizer: RunTokenizer,
  upload?: RunRequest['upload'],
): Promise<ModelSummary | null> {
  const snapshot = decodeCheckpoint(files);
  let keep = false;
  try {
    const runJson = text(files['run.json']);
    const spec = specOfSnapshot(snapshot) ?? (runJson ? resolveRunSpec(JSON.parse(runJson)) : undefined);
    if (!spec) return null;
    const uploaded = upload?.fileName === spec.data.dataset;
    if (!uploaded && !isBuiltinDataset(spec.data.dataset)) return null;
    const dataset = await loadData(spec, upload);
    const run = prepareRun(spec, dataset, { tokenizer });
    try {
      run.model.loadStateDict(snapshot.weights);
    } catch (error) {
      run.dispose();
      throw error;
    }
    disposeSession();
    session = sessionOf(run, dataset, 'imported');
    session.step = snapshot.step;
    session.paused = snapshot;
    session.lastFiles = files;
    keep = true;
    // Paused at its step: Resume continues it; a finished one is done until Steps is raised.
    setStatus(snapshot.step >= spec.training.steps ? 'done' : 'paused');
    return summarize(session);
  } finally {
    if (!keep) disposeSnapshot(snapshot);
  }
}

function importModelOnly(
  files: CheckpointFiles,
  parsed: { model?: ModelConfig; step?: number } & Record<string, unknown>,
  tokenizer: RunTokenizer,
): ModelSummary {
  const model = networkOf(parsed.model as ModelConfig);
  try {
    const weights = tensorsFromSafetensors(parseSafetensors(files['model.safetensors'] as Uint8Array));
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
  const dataset = (parsed.dataset ?? {}) as Record<string, unknown>;
  const name =
    typeof dataset.dataset === 'string'
      ? dataset.dataset
      : typeof dataset.name === 'string'
        ? dataset.name
        : 'unknown data';
  return adoptModel(
    model,
    tokenizer,
    name,
    dataset.kind === 'words' ? 'words' : 'text',
    typeof parsed.step === 'number' ? parsed.step : 0,
  );
}

/** Makes an imported model, with no run to continue, the session's: it samples and explores. */
function adoptModel(
  model: LanguageModel,
  tokenizer: RunTokenizer,
  datasetName: string,
  kind: 'words' | 'text',
  step: number,
): ModelSummary {
  session = {
    datasetName,
    kind,
    tokenizer,
    vocab: vocabOf(tokenizer),
    model,
    run: null,
    dataset: null,
    trainWords: null,
    splitSizes: {},
    step,
    paused: null,
    lastFiles: null,
    origin: 'imported',
    init: null,
  };
  setStatus('idle');
  return summarize(session);
}

/**
 * Hugging Face GPT-2 weights (`model.safetensors` of `gpt2` … `gpt2-xl`, or any GPT2LMHeadModel, with its
 * `config.json` when the width is not one of OpenAI's sizes) with GPT-2's r50k_base encoding, bundled and
 * loaded on first use: a model that samples, as `makemore import hf-gpt2` makes one.
 */
async function importHfGpt2(weights: Uint8Array, configJson?: Uint8Array): Promise<ModelSummary> {
  requireIdle('load another model');
  let hfConfig: HfGpt2Config = {};
  const configText = text(configJson);
  if (configText !== undefined) {
    try {
      hfConfig = JSON.parse(configText) as HfGpt2Config;
    } catch (e) {
      throw new Error(`config.json is not valid JSON: ${(e as Error).message}`);
    }
  }
  const converted = hfGpt2FromSafetensors(weights, hfConfig);
  const tokenizer = (await getEncoding('r50k_base')) as unknown as RunTokenizer;
  if (tokenizer.vocabSize > converted.config.vocabSize) {
    throw new Error(
      `GPT-2's r50k_base encoding has ${tokenizer.vocabSize} tokens but these weights only ${converted.config.vocabSize}: they are not GPT-2's vocabulary.`,
    );
  }
  const model = networkOf(converted.config);
  const tensors = Object.fromEntries(
    Object.entries(converted.weights).map(([k, t]) => [k, tf.tensor(t.data, t.shape, 'float32')]),
  );
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    tf.dispose(Object.values(tensors));
  }
  disposeSession();
  return adoptModel(model, tokenizer, 'Hugging Face GPT-2 weights', 'text', 0);
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

/** The learning-rate finder on a fresh copy of the model, with the run's own optimizer kind. */
async function lrFind(steps: number, minLr: number, maxLr: number): Promise<Results['lrFind']> {
  requireIdle('run the learning-rate finder');
  const s = requireSession();
  const run = s.run;
  if (!run) throw new Error('The learning-rate finder needs training data: configure a run first.');
  const probe = networkOf(s.model.config);
  try {
    const curve = await findLearningRate({
      model: probe,
      data: run.data,
      optimizer: () => buildOptimizer({ ...run.spec.optimizer, lr: minLr }, probe),
      batchSize: run.spec.training.batchSize,
      steps,
      minLr,
      maxLr,
      seed: run.spec.training.seed,
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
          detail: choice.detail,
          threads: choice.threads,
          crossOriginIsolated: Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated),
        },
      };
    }
    case 'configure':
      return { result: await configure(message.run) };
    case 'start':
      return { result: await start(message.steps) };
    case 'pause':
      return { result: await pause() };
    case 'reset':
      return { result: await reset() };
    case 'sample':
      return { result: await sample(message.options) };
    case 'export':
      return exportCheckpoint();
    case 'import':
      return { result: await importCheckpoint(message.files, message.upload) };
    case 'apply':
      return { result: await apply(message.changes) };
    case 'initSpec':
      return { result: initSpec(message.spec, message.from) };
    case 'fineTune':
      return { result: await fineTune(message.run, message.from) };
    case 'autosave': {
      const saved = await autosave();
      return { result: saved };
    }
    case 'hang':
      hangNextStep = true;
      return { result: null };
    case 'importHfGpt2':
      return { result: await importHfGpt2(message.weights, message.config) };
    case 'embeddings':
      return { result: embeddings() };
    case 'attention': {
      requireIdle('read attention weights');
      const s = requireSession();
      return {
        result: attentionMaps(s.model, s.tokenizer, s.kind === 'words' ? BOUNDARY : null, message.text),
      };
    }
    case 'lrFind':
      return { result: await lrFind(message.steps, message.minLr, message.maxLr) };
    case 'memory': {
      const { numTensors, numBytes } = tf.memory();
      return { result: { numTensors, numBytes } };
    }
  }
}
