/**
 * A lab that never loses work. The current run is autosaved to IndexedDB (lib/run-store.ts): at every
 * pause, stop and end, every few seconds while it trains, and (best effort) before the page unloads. A
 * reload offers to restore it, exactly: the worker re-imports the checkpoint (weights, optimizer state,
 * sampler position) and the page puts back the losses and samples, so resuming gives the same losses as
 * a run that never stopped. The page also watches the worker: a step that takes longer than its budget
 * means a hung worker, which is terminated and restarted from the last autosave.
 *
 * URL knobs for tests and slow machines: `?autosave=SECONDS` (default 10), `?stepBudget=SECONDS`
 * (default 60; ten times that across an evaluation or samples, five times before the first step).
 */
import type { RunSpecInput } from '@makemore/run/spec';
import { clearSavedRun, getSavedRun, putSavedRun, type SavedRun } from './lib/run-store';
import { observable } from './lib/observable';
import {
  adoptModel,
  currentRunRecord,
  currentUpload,
  heartbeat,
  history,
  initWorker,
  liveSamples,
  loadedSpec,
  modelSummary,
  progress,
  runForm,
  trainStatus,
  workerError,
} from './state';
import { request, restartWorker } from './worker/client';

const params = new URLSearchParams(location.search);
const secondsParam = (name: string, fallback: number) => {
  const value = Number(params.get(name) ?? Number.NaN);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
/** Seconds between autosaves while a run trains. */
export const AUTOSAVE_SECONDS = secondsParam('autosave', 10);
/** A step (or evaluation) that takes longer than this means the worker hangs. */
export const STEP_BUDGET_SECONDS = secondsParam('stepBudget', 60);

/** The last autosave: its step and time, or null before the first. */
export const lastAutosave = observable<{ step: number; savedAt: string } | null>(null);
/** A saved run found at load, which the Train page offers to restore. */
export const restoreOffer = observable<SavedRun | null>(null);
/** The preset the form shows, recorded with each autosave (the Train page keeps it current). */
export const formPreset = observable('custom');

// For the e2e tests and the curious: the last autosave, and the hook that makes the next step hang.
(globalThis as { __makemoreAutosave?: () => unknown }).__makemoreAutosave = () => lastAutosave.get();
(globalThis as { __makemoreHangNextStep?: () => Promise<unknown> }).__makemoreHangNextStep = () =>
  request({ type: 'hang' });

let saving: Promise<void> | null = null;

/** True when the run holds steps that the last autosave does not. */
export function hasUnsavedWork(): boolean {
  const summary = modelSummary.get();
  if (!summary?.spec) return false;
  const step = progress.get().step;
  if (step === 0) return false;
  return trainStatus.get() === 'running' || lastAutosave.get()?.step !== step;
}

/** Saves the current run now (one save at a time); resolves when it is stored. */
export function saveRun(): Promise<void> {
  if (saving) return saving;
  const summary = modelSummary.get();
  const settled = summary?.spec;
  if (!summary || !settled || progress.get().step === 0) return Promise.resolve();
  const job = (async () => {
    try {
      const saved = await request({ type: 'autosave' });
      if (!saved || saved.step === 0) return;
      const h = history.get();
      const n = h.steps.filter((s) => s <= saved.step).length;
      const e = h.evalSteps.filter((s) => s <= saved.step).length;
      const record = currentRunRecord();
      const spec: RunSpecInput = runForm.get() ?? settled;
      const samples = liveSamples.get();
      await putSavedRun({
        savedAt: new Date().toISOString(),
        step: saved.step,
        totalSteps: progress.get().totalSteps,
        status: trainStatus.get() === 'running' ? 'paused' : trainStatus.get(),
        description: `${summary.config.type} on ${summary.datasetName}, step ${saved.step}`,
        files: saved.files,
        upload: currentUpload.get(),
        presetId: formPreset.get(),
        history: {
          steps: h.steps.slice(0, n),
          losses: h.losses.slice(0, n),
          evalSteps: h.evalSteps.slice(0, e),
          trainLoss: h.trainLoss.slice(0, e),
          devLoss: h.devLoss.slice(0, e),
        },
        record: {
          steps: record.steps.filter((s) => s.step <= saved.step),
          evals: record.evals.filter((s) => s.step <= saved.step),
        },
        samples: samples.step <= saved.step ? samples : { step: 0, samples: [] },
        spec: structuredClone(spec),
      });
      lastAutosave.set({ step: saved.step, savedAt: new Date().toISOString() });
    } catch (error) {
      // A save that fails (a restarted worker, a full disk) must not stop the run; the next one retries.
      console.warn(`autosave failed: ${(error as Error).message}`);
    }
  })();
  // Cleared once settled (never synchronously inside the job, so a finished job is never left in place).
  saving = job;
  void job.then(() => {
    if (saving === job) saving = null;
  });
  return job;
}

/** Puts a saved run back: the worker imports its checkpoint, the page its history, samples and form. */
export async function restoreRun(saved: SavedRun): Promise<void> {
  const summary = await request({
    type: 'import',
    files: saved.files,
    ...(saved.upload ? { upload: saved.upload } : {}),
  });
  adoptModel({ ...summary, origin: 'configured' }, saved.totalSteps);
  history.set(structuredClone(saved.history));
  const record = currentRunRecord();
  record.steps = structuredClone(saved.record.steps);
  record.evals = structuredClone(saved.record.evals);
  liveSamples.set(saved.samples);
  const losses = saved.history.losses;
  progress.update((p) => ({ ...p, step: saved.step, loss: losses.at(-1) ?? null }));
  currentUpload.set(saved.upload);
  runForm.set(structuredClone(saved.spec));
  loadedSpec.set({ spec: structuredClone(saved.spec), preset: saved.presetId });
  lastAutosave.set({ step: saved.step, savedAt: saved.savedAt });
  restoreOffer.set(null);
}

/** Forgets the saved run (the restore offer's Discard, and Reset). */
export async function discardSavedRun(): Promise<void> {
  restoreOffer.set(null);
  lastAutosave.set(null);
  await clearSavedRun().catch(() => undefined);
}

/** Set before a reload that should restore the run at once (the backend picker's). */
const RESTORE_NOW = 'makemore-restore-now';

/** Saves the run and reloads at `href`, where it is restored without asking. */
export async function reloadCarryingRun(href: string): Promise<void> {
  if (trainStatus.get() === 'running') await request({ type: 'pause' }).catch(() => undefined);
  await saveRun();
  if (lastAutosave.get()) sessionStorage.setItem(RESTORE_NOW, '1');
  location.assign(href);
}

/**
 * Starts the autosave timer, the unload guard and the watchdog, and looks for a saved run once the
 * worker is ready: restored at once after a backend switch, else offered on the Train page.
 */
export function startPersistence(ready: Promise<void>): void {
  void ready.then(async () => {
    const saved = await getSavedRun().catch(() => undefined);
    if (!saved) return;
    if (sessionStorage.getItem(RESTORE_NOW) === '1') {
      sessionStorage.removeItem(RESTORE_NOW);
      await restoreRun(saved).catch((e: Error) => workerError.set(`Could not restore the run: ${e.message}`));
    } else if (!modelSummary.get()) restoreOffer.set(saved);
  });

  trainStatus.subscribe((status) => {
    if (status === 'paused' || status === 'done' || status === 'stopped') void saveRun();
  });
  setInterval(() => {
    if (trainStatus.get() === 'running') void saveRun();
  }, AUTOSAVE_SECONDS * 1000);

  window.addEventListener('beforeunload', (event) => {
    if (!hasUnsavedWork()) return;
    void saveRun();
    event.preventDefault();
    // Older browsers show the dialog only when returnValue is set.
    event.returnValue = '';
  });

  watchWorker();
}

/** Terminates a worker whose step takes longer than the budget and restores the last autosave. */
function watchWorker(): void {
  let lastBeat = Date.now();
  let beats = heartbeat.get();
  setInterval(() => {
    const now = Date.now();
    if (heartbeat.get() !== beats || trainStatus.get() !== 'running') {
      beats = heartbeat.get();
      lastBeat = now;
      return;
    }
    if (now - lastBeat < budgetMs()) return;
    lastBeat = now;
    void recover();
  }, 500);
}

/**
 * The time the worker may go silent now: a step's budget, but ten times that when the step just done is
 * followed by an evaluation or samples (a whole split on a slow backend takes long), and five times before
 * a run's first step (backend warm-up, shader compilation).
 */
function budgetMs(): number {
  const base = STEP_BUDGET_SECONDS * 1000;
  const record = currentRunRecord();
  const last = record.steps.at(-1)?.step;
  const spec = record.spec;
  if (last === undefined || !spec) return 5 * base;
  const every = (n: number) => n > 0 && last % n === 0;
  if (every(spec.eval.every) || every(spec.sample.every) || last === spec.training.steps) return 10 * base;
  return base;
}

async function recover(): Promise<void> {
  const step = progress.get().step;
  restartWorker();
  saving = null;
  trainStatus.set('stopped');
  await initWorker();
  const saved = await getSavedRun().catch(() => undefined);
  const budget = `${STEP_BUDGET_SECONDS} s`;
  if (!saved) {
    modelSummary.set(null);
    trainStatus.set('idle');
    workerError.set(
      `A training step at step ${step} took longer than ${budget}, so the worker was restarted; there was no autosave yet, so start the run again.`,
    );
    return;
  }
  await restoreRun(saved);
  workerError.set(
    `A training step at step ${step} took longer than ${budget}, so the worker was restarted from the autosave at step ${saved.step}; press Resume to continue.`,
  );
}
