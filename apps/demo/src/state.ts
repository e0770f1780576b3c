/**
 * The page's shared state: the backend the worker chose, the model it holds, the training history and
 * the latest samples. Worker events flow into it here, once, for every page.
 */
import { dataBaseUrl } from './lib/data';
import { observable } from './lib/observable';
import { onEvent, request } from './worker/client';
import type { RunSpec, RunSpecInput } from '@makemore/run/spec';
import type { ModelSummary, Sample, TrainStatus, Upload, WorkerEvent } from './worker/protocol';

export interface BackendInfo {
  backend: string;
  reason: string;
  /** What the backend runs on (the WebGPU adapter, wasm's SIMD and threads). */
  detail: string;
  threads: number;
  crossOriginIsolated: boolean;
}

export interface History {
  /** Per-step training loss (the minibatch loss). */
  steps: number[];
  losses: number[];
  /** Evaluations: mean loss over several batches of each split. */
  evalSteps: number[];
  trainLoss: number[];
  devLoss: number[];
}

export interface Progress {
  /** Counts runs: a new model or a reset starts a new one. */
  run: number;
  step: number;
  totalSteps: number;
  loss: number | null;
  lr: number;
  stepsPerSecond: number;
  etaSeconds: number;
}

export const emptyHistory = (): History => ({
  steps: [],
  losses: [],
  evalSteps: [],
  trainLoss: [],
  devLoss: [],
});

export const backendInfo = observable<BackendInfo | null>(null);
export const backendError = observable<string | null>(null);
export const modelSummary = observable<ModelSummary | null>(null);
export const trainStatus = observable<TrainStatus>('idle');
export const history = observable<History>(emptyHistory());
export const progress = observable<Progress>({
  run: 0,
  step: 0,
  totalSteps: 0,
  loss: null,
  lr: 0,
  stepsPerSecond: 0,
  etaSeconds: 0,
});
export const liveSamples = observable<{ step: number; samples: Sample[] }>({ step: 0, samples: [] });
export const workerError = observable<string | null>(null);
/** Lines the worker reports about a resumed run's changes (`planResume`'s notes). */
export const notices = observable<string[]>([]);
/**
 * The spec the current run follows, as the form edits it: the Train page compares the form with it to
 * tell Resume (nothing changed) from Apply (changes to apply from the checkpoint).
 */
export const runForm = observable<RunSpecInput | null>(null);
/** A spec for the form to show (an imported or restored run's); the Train page takes it in. */
export const loadedSpec = observable<{ spec: RunSpecInput; preset: string } | null>(null);
/** A learning rate for the Train form, from the Explore page's "Use this learning rate"; the form takes it in. */
export const requestedLearningRate = observable<number | null>(null);
/** The uploaded text the current run trains on, kept for the autosave. */
export const currentUpload = observable<Upload | null>(null);
/** Counts worker events that show training is alive (steps, evaluations, samples): the watchdog reads it. */
export const heartbeat = observable(0);
/**
 * The name the model the worker holds goes by (a saved model's, an imported file's), with the run and the
 * step it was named at: once it trains on or is replaced, the name no longer applies.
 */
export const modelName = observable<{ name: string; run: number; step: number } | null>(null);
/**
 * "Fine-tune this model" (Models and Train pages): the Train form switches to fine-tune mode, starting
 * from the model the worker holds, recorded as `initFrom: from`.
 */
export const fineTuneRequest = observable<{ from: string } | null>(null);

/** Names the model the worker holds now (see {@link modelName}). */
export function nameModel(name: string): void {
  const p = progress.get();
  modelName.set({ name, run: p.run, step: p.step });
}

/**
 * "Fine-tune this model": names the model the worker holds `from` (what the new run records as
 * `initFrom`) and opens the Train page, whose form switches to fine-tune mode.
 */
export function fineTuneModel(from: string): void {
  nameModel(from);
  fineTuneRequest.set({ from });
  location.hash = '#/train';
}

/** "Fine-tune this model" for the model the worker holds now (nothing when it holds none). */
export function fineTuneCurrentModel(): void {
  const from = currentModelName();
  if (from) fineTuneModel(from);
}

/**
 * The name of the model the worker holds now: the one it was loaded or imported under, else one made
 * of its type, data and step (the Models page's default name for a save). Null when there is no model.
 */
export function currentModelName(): string | null {
  const summary = modelSummary.get();
  if (!summary) return null;
  const named = modelName.get();
  const p = progress.get();
  if (named && named.run === p.run && named.step === p.step) return named.name;
  return `${summary.config.type}-${summary.datasetName}-step${p.step}`;
}

/**
 * The current run as plain data, for the e2e tests and the curious (`window.__makemoreRun` in the
 * console): its settled spec, split sizes, status, and every step's loss and learning rate as the worker
 * reported them. The same-run test compares these with the CLI's `--json` lines.
 */
export interface RunRecord {
  /** Counts runs, as `progress.run` does. */
  run: number;
  status: TrainStatus;
  spec: RunSpec | null;
  splitSizes: Record<string, number>;
  steps: { step: number; loss: number; lr: number }[];
  evals: { step: number; losses: Record<string, number> }[];
}

const runRecord: RunRecord = { run: 0, status: 'idle', spec: null, splitSizes: {}, steps: [], evals: [] };
(globalThis as { __makemoreRun?: RunRecord }).__makemoreRun = runRecord;

let started = false;

// For the e2e tests and the curious: `await makemoreMemory()` in the console shows the worker's tensor count.
(globalThis as { makemoreMemory?: () => Promise<unknown> }).makemoreMemory = () =>
  request({ type: 'memory' });

/**
 * Step events arrive hundreds of times a second for small models. They are recorded at once but shown at
 * most every 100 ms, so that re-rendering the page does not take CPU from the training worker.
 */
let pendingStep: Extract<WorkerEvent, { type: 'step' }> | null = null;
let flushTimer: ReturnType<typeof setTimeout> | null = null;

function flushSteps(): void {
  if (flushTimer !== null) clearTimeout(flushTimer);
  flushTimer = null;
  const event = pendingStep;
  if (!event) return;
  pendingStep = null;
  history.update((h) => ({ ...h }));
  progress.update((p) => ({
    ...p,
    step: event.step,
    loss: event.loss,
    lr: event.lr,
    stepsPerSecond: event.stepsPerSecond,
    etaSeconds: event.etaSeconds,
  }));
}

/** Starts the worker (which picks a backend) and routes its events into the observables above. */
export function startEngine(): Promise<void> {
  if (started) return Promise.resolve();
  started = true;
  onEvent((event) => {
    if (event.type !== 'step') flushSteps();
    heartbeat.set(heartbeat.get() + 1);
    switch (event.type) {
      case 'status': {
        trainStatus.set(event.status);
        runRecord.status = event.status;
        // Keep the model's step count current, so that saving and exporting name the right step.
        const step = progress.get().step;
        const summary = modelSummary.get();
        if (summary && event.status !== 'running' && summary.step !== step)
          modelSummary.set({ ...summary, step });
        break;
      }
      case 'step': {
        // Arrays grow in place (a run has thousands of steps); a new wrapper object signals the change.
        runRecord.steps.push({ step: event.step, loss: event.loss, lr: event.lr });
        const h = history.get();
        h.steps.push(event.step);
        h.losses.push(event.loss);
        pendingStep = event;
        flushTimer ??= setTimeout(flushSteps, 100);
        break;
      }
      case 'start':
        runRecord.spec = event.spec;
        runRecord.splitSizes = event.splitSizes;
        break;
      case 'notice':
        notices.update((list) => [...list, event.message]);
        break;
      case 'eval':
        runRecord.evals.push({ step: event.step, losses: event.losses });
        history.update((h) => {
          h.evalSteps.push(event.step);
          h.trainLoss.push(event.train);
          h.devLoss.push(event.dev);
          return { ...h };
        });
        break;
      case 'samples':
        liveSamples.set({ step: event.step, samples: event.samples });
        break;
      case 'error':
        workerError.set(event.message);
        break;
      case 'rewound':
        rewindTo(event.step);
        break;
      case 'progress':
      case 'sampling':
        break;
    }
  });
  return initWorker();
}

/** Asks the worker (a new one, after a restart too) for the backend the page's URL names. */
export function initWorker(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const prefer = params.get('backend') ?? undefined;
  const threads = Number(params.get('threads') ?? Number.NaN);
  return request({
    type: 'init',
    dataBaseUrl: dataBaseUrl(),
    wasmBaseUrl: new URL('tfjs/', document.baseURI).href,
    ...(prefer ? { prefer } : {}),
    ...(Number.isInteger(threads) && threads > 0 ? { threads } : {}),
  }).then(
    (info) => backendInfo.set(info),
    (error: Error) => backendError.set(error.message),
  );
}

/** Puts a freshly built or loaded model in the state and clears the old run's history. */
export function adoptModel(summary: ModelSummary, totalSteps = 0): void {
  pendingStep = null;
  modelSummary.set(summary);
  history.set(emptyHistory());
  liveSamples.set({ step: summary.step, samples: [] });
  progress.update((p) => ({
    run: p.run + 1,
    step: summary.step,
    totalSteps,
    loss: null,
    lr: 0,
    stepsPerSecond: 0,
    etaSeconds: 0,
  }));
  workerError.set(null);
  notices.set([]);
  runRecord.run = progress.get().run;
  runRecord.spec = summary.spec;
  runRecord.splitSizes = summary.splitSizes;
  runRecord.steps = [];
  runRecord.evals = [];
  if (summary.origin === 'imported' && summary.spec) {
    const spec = structuredClone(summary.spec) as RunSpecInput;
    runForm.set(spec);
    loadedSpec.set({ spec, preset: summary.spec.recipe ?? 'custom' });
  }
}

/** Cuts the history back to `step` (after a failed step sent the run back to its last checkpoint). */
function rewindTo(step: number): void {
  pendingStep = null;
  const h = history.get();
  const keep = (steps: number[]) => steps.filter((s) => s <= step).length;
  const n = keep(h.steps);
  const e = keep(h.evalSteps);
  history.set({
    steps: h.steps.slice(0, n),
    losses: h.losses.slice(0, n),
    evalSteps: h.evalSteps.slice(0, e),
    trainLoss: h.trainLoss.slice(0, e),
    devLoss: h.devLoss.slice(0, e),
  });
  runRecord.steps = runRecord.steps.filter((s) => s.step <= step);
  runRecord.evals = runRecord.evals.filter((s) => s.step <= step);
  progress.update((p) => ({ ...p, step, loss: h.losses[n - 1] ?? null, stepsPerSecond: 0, etaSeconds: 0 }));
  const summary = modelSummary.get();
  if (summary) modelSummary.set({ ...summary, step });
}

/** The run record, for the autosave to store and a restore to put back. */
export function currentRunRecord(): RunRecord {
  return runRecord;
}
