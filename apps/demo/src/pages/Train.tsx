/**
 * Train: pick a recipe of @makemore/run (or start from the defaults), edit its run spec (data, model,
 * optimizer, schedule, loop, evaluation, samples), then start, pause, resume or reset a run that the
 * worker prepares with `prepareRun`, as the CLI does. The spec is resolved as it is edited, and a
 * `RunSpecError` is shown next to the field it names. A live loss chart, steps/s, ETA and samples follow.
 *
 * The form is the run spec. Once a run exists, Resume is offered only while the form matches it; an edited
 * form is applied to the run from its checkpoint ("Apply and restart from this checkpoint", by
 * `planResume`'s rules) or trained from scratch ("Start new run"), and the old model stays until the new
 * run is valid. A run that failed is "stopped" at its last good checkpoint.
 *
 * Fine-tune mode (the form's spec has `initFrom`): a new run starts from the model the page holds, or
 * from a model saved in this browser that a shared link names. The model section is the weights' (only
 * dropout and a shorter block size change), the tokenizer is theirs, and the rest is edited as usual.
 */
import {
  mergeSpec,
  MODEL_FIELDS,
  type RunSpec,
  RunSpecError,
  type RunSpecInput,
  resolveRunSpec,
  setField,
} from '@makemore/run/spec';
import type { ModelConfig } from '@makemore/models';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ErrorAlert, formatDuration, Panel, SelectField } from '../components/fields';
import { LineChart } from '../components/LineChart';
import { LossChart } from '../components/LossChart';
import { SampleList } from '../components/SampleList';
import { type SpecBinding, SpecCheck, SpecNumber, SpecSelect, SpecText } from '../components/spec-fields';
import { useDatasetOptions } from '../lib/data';
import { describeModel, fineTuneForm } from '../lib/fine-tune';
import { getModel } from '../lib/model-store';
import { useObservable } from '../lib/observable';
import { encodeSpecParamCompressed, hasCompressedSpec, runFromUrl, runFromUrlAsync } from '../lib/run-url';
import { discardSavedRun, formPreset, restoreOffer, restoreRun } from '../persistence';
import {
  BUILTIN_DATASETS,
  DEFAULT_RECIPE,
  isTrainable,
  MODEL_TYPES,
  RECIPES,
  referenceText,
} from '../presets';
import {
  adoptModel,
  backendInfo,
  currentModelName,
  currentRunRecord,
  currentUpload,
  fineTuneCurrentModel,
  fineTuneModel,
  fineTuneRequest,
  history,
  liveSamples,
  loadedSpec,
  requestedLearningRate,
  modelSummary,
  nameModel,
  notices,
  progress,
  runForm,
  trainStatus,
  workerError,
} from '../state';
import { request } from '../worker/client';
import type { ModelSummary } from '../worker/protocol';

const CUSTOM = 'custom';

/** A recipe's partial spec, tagged with its name (`{}` for custom: every default). */
function recipeInput(name: string): RunSpecInput {
  const recipe = RECIPES.find((r) => r.name === name);
  return recipe ? ({ ...structuredClone(recipe.spec), recipe: name } as RunSpecInput) : {};
}

/** Reads a dotted path (`optimizer.betas.0`) of a plain object. */
function getPath(value: unknown, path: string): unknown {
  let node = value;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Where each spec field is edited: an error naming any other field is shown under the form. */
const FORM_FIELDS = new Set([
  'initFrom',
  'data.dataset',
  'data.tokenizer.type',
  'data.tokenizer.vocabSize',
  'model.type',
  'model.blockSize',
  'model.nEmbd',
  'model.nEmbd2',
  'model.nHidden',
  'model.nLayer',
  'model.nHead',
  'model.dropout',
  'model.batchNorm',
  'model.bias',
  'model.tieWeights',
  'model.gelu',
  'model.init',
  'model.inputKind',
  'optimizer.type',
  'optimizer.lr',
  'optimizer.betas.0',
  'optimizer.betas.1',
  'optimizer.weightDecay',
  'optimizer.decay',
  'optimizer.momentum',
  'schedule.type',
  'schedule.warmup',
  'schedule.minLr',
  'schedule.decaySteps',
  'schedule.milestones',
  'schedule.gamma',
  'training.steps',
  'training.batchSize',
  'training.gradAccum',
  'training.gradClip',
  'training.seed',
  'eval.every',
  'eval.iters',
  'sample.every',
  'sample.n',
  'sample.temperature',
  'sample.topK',
  'sample.maxTokens',
  'sample.prompt',
]);

/** The form field a `RunSpecError`'s path belongs to (`optimizer.betas[1]` → `optimizer.betas`). */
function formFieldOf(field: string): string | null {
  const beta = /^optimizer\.betas(?:\[(\d)\])?$/.exec(field);
  if (beta) return `optimizer.betas.${beta[1] ?? 0}`;
  const base = field.replace(/\[\d+\]$/, '');
  if (FORM_FIELDS.has(base)) return base;
  if (base === 'data.tokenizer') return 'data.tokenizer.type';
  if (base.startsWith('data.split') || base === 'data.kind') return 'data.dataset';
  return null;
}

/** The run the URL asks for; a compressed `?spec=` is read once the page is up (it inflates asynchronously). */
const compressedUrl = hasCompressedSpec(location.search);
const url = compressedUrl ? null : runFromUrl(location.search, DEFAULT_RECIPE);

/** A resolved spec as `path → JSON` (arrays whole), to name the fields two specs differ in. */
function flattenSpec(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenSpec(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) out[prefix] = JSON.stringify(value);
  return out;
}

/** The fields (other than the recipe's name) where the form's spec differs from the run's. */
function changedFields(form: RunSpec, run: RunSpec): string[] {
  const a = flattenSpec(form);
  const b = flattenSpec(run);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k] && k !== 'recipe');
}

/** Fields a run cannot change from its checkpoint (`planResume`'s refusals): they need a new run. */
const NEEDS_NEW_RUN = [/^initFrom$/, /^data\./, /^model\./, /^optimizer\.type$/, /^training\.seed$/];

/** The changed fields as a partial spec, for `planResume` (which refuses data and model changes). */
function changesOf(form: RunSpec, fields: string[]): RunSpecInput {
  let changes: RunSpecInput = {};
  for (const field of fields) changes = setField(changes, field, getPath(form, field));
  return changes;
}

/** Refuses binary files: text has no NUL bytes and few control characters or undecodable bytes. */
function binaryReason(text: string): string | null {
  if (text.includes('\0')) return 'it contains NUL bytes, so it is a binary file, not text';
  let odd = 0;
  for (const ch of text.slice(0, 100_000)) {
    const code = ch.charCodeAt(0);
    if (ch === '\uFFFD' || (code < 32 && ch !== '\n' && ch !== '\r' && ch !== '\t')) odd++;
  }
  const share = odd / Math.max(1, Math.min(text.length, 100_000));
  return share > 0.01
    ? `${(share * 100).toFixed(0)}% of its characters are control characters or invalid UTF-8, so it is not a text file`
    : null;
}

export function TrainPage(_: { active: boolean }) {
  const [presetId, setPresetId] = useState(url?.recipe ?? DEFAULT_RECIPE);
  const [input, setInput] = useState<RunSpecInput>(url?.spec ?? recipeInput(DEFAULT_RECIPE));
  const [upload, setUpload] = useState<{ fileName: string; text: string } | null>(null);
  const [uploadWords, setUploadWords] = useState(true);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(url?.error ?? null);
  /** An error from the worker that names a spec field (e.g. a block size shorter than the longest word). */
  const [runFieldError, setRunFieldError] = useState<{ field: string; message: string } | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [urlRun, setUrlRun] = useState(url);
  const [shareLink, setShareLink] = useState<string | null>(null);
  /** In fine-tune mode, the config of the weights the run starts from (its block size bounds the run's). */
  const [weightsModel, setWeightsModel] = useState<ModelConfig | null>(null);

  const status = useObservable(trainStatus);
  const summary = useObservable(modelSummary);
  const h = useObservable(history);
  const p = useObservable(progress);
  const samples = useObservable(liveSamples);
  const runError = useObservable(workerError);
  const backend = useObservable(backendInfo);
  const notes = useObservable(notices);
  const offer = useObservable(restoreOffer);
  const loaded = useObservable(loadedSpec);
  const runInput = useObservable(runForm);
  const datasetOptions = useDatasetOptions(BUILTIN_DATASETS);

  const resolved = useMemo((): { spec: RunSpec | null; error: RunSpecError | null } => {
    try {
      return { spec: resolveRunSpec(input), error: null };
    } catch (e) {
      if (e instanceof RunSpecError) return { spec: null, error: e };
      return { spec: null, error: new RunSpecError('(spec)', (e as Error).message) };
    }
  }, [input]);
  const lastGood = useRef<RunSpec | null>(null);
  if (resolved.spec) lastGood.current = resolved.spec;

  // A run imported or restored with its spec shows that spec here, so that Resume continues it.
  useEffect(() => {
    if (!loaded) return;
    setInput(loaded.spec);
    setPresetId(RECIPES.some((r) => r.name === loaded.preset) ? loaded.preset : CUSTOM);
    setRunFieldError(null);
    setWeightsModel(null);
  }, [loaded]);
  // "Fine-tune this model": the worker turns the form's starting values into the spec of a run from the
  // model it holds (`specForInit`: the weights' model and tokenizer), which the form then shows.
  const wantedFineTune = useObservable(fineTuneRequest);
  useEffect(() => {
    if (!wantedFineTune) return;
    fineTuneRequest.set(null);
    const model = modelSummary.get();
    if (!model) return;
    setError(null);
    setRunFieldError(null);
    request({ type: 'initSpec', spec: fineTuneForm(input, model), from: wantedFineTune.from }).then(
      (spec) => {
        setInput(spec);
        setPresetId(CUSTOM);
        setWeightsModel(model.config);
      },
      (e: Error & { field?: string }) => showRunError(e),
    );
  }, [wantedFineTune]);
  useEffect(() => formPreset.set(presetId), [presetId]);
  // "Use this learning rate" on the Explore page's LR finder edits the form's rate, as typing it would.
  const wantedLr = useObservable(requestedLearningRate);
  useEffect(() => {
    if (wantedLr === null) return;
    requestedLearningRate.set(null);
    setRunFieldError(null);
    setInput((current) => setField(current, 'optimizer.lr', wantedLr));
  }, [wantedLr]);

  // The schedule's learning rate as the run used it, at most ~400 points.
  const lrPoints = useMemo(() => {
    const steps = currentRunRecord().steps;
    const every = Math.max(1, Math.ceil(steps.length / 400));
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < steps.length; i += every) {
      x.push(steps[i]!.step);
      y.push(steps[i]!.lr);
    }
    return { x, y };
  }, [h]);

  /** The spec of the current run, when there is one that can continue (a checkpoint to resume from). */
  const runSpec = useMemo((): RunSpec | null => {
    if (!runInput) return null;
    try {
      return resolveRunSpec(runInput);
    } catch {
      return null;
    }
  }, [runInput]);
  const hasCheckpoint =
    summary?.spec != null && runSpec !== null && ['paused', 'stopped', 'done'].includes(status);
  const changed = hasCheckpoint && resolved.spec ? changedFields(resolved.spec, runSpec) : [];
  const needsNewRun = changed.filter((f) => NEEDS_NEW_RUN.some((pattern) => pattern.test(f)));
  /** The form's changes can be applied to the run from its checkpoint. */
  const canApply = changed.length > 0 && needsNewRun.length === 0;

  const edit = (next: RunSpecInput) => {
    setRunFieldError(null);
    setInput(next);
  };
  const bind: SpecBinding = {
    get: (path) => getPath(input, path) ?? getPath(resolved.spec ?? lastGood.current, path),
    set: (path, value) => {
      const beta = /^optimizer\.betas\.(\d)$/.exec(path);
      if (!beta) return edit(setField(input, path, value));
      // The betas are one array in the spec: edit one entry of a copy.
      const betas = [...((bind.get('optimizer.betas') as number[] | undefined) ?? [0.9, 0.999])];
      betas[Number(beta[1])] = value as number;
      edit(setField(input, 'optimizer.betas', betas));
    },
    error: (path) => fieldErrors.get(path) ?? null,
  };
  /** Changing a section's type starts that section afresh (mergeSpec's rule), so no stale field leaks in. */
  const setType = (section: 'model' | 'optimizer' | 'schedule') => (value: string) =>
    edit(mergeSpec(input, { [section]: { type: value } } as RunSpecInput));

  const applyPreset = (id: string) => {
    setPresetId(id);
    edit(recipeInput(id));
  };
  const setDataset = (name: string) => {
    // A new dataset takes its own kind and split rule, unless the user sets them again.
    const data = { ...(input.data ?? {}) };
    delete data.split;
    delete data.kind;
    data.dataset = name === 'upload' ? (upload?.fileName ?? 'upload') : name;
    if (name === 'upload') data.kind = uploadWords ? 'words' : 'text';
    edit({ ...input, data });
  };
  const datasetName = String(input.data?.dataset ?? 'names');
  const isUpload = !(BUILTIN_DATASETS as readonly string[]).includes(datasetName);

  const modelType = String(bind.get('model.type') ?? 'mlp') as keyof typeof MODEL_FIELDS;
  const uses = (field: string) => (MODEL_FIELDS[modelType] ?? []).includes(field);
  // Dropout is editable both when training from scratch and when fine-tuning: one field for both forms.
  const dropoutField = uses('dropout') && (
    <SpecNumber label="Dropout" path="model.dropout" bind={bind} min={0} max={0.9} step={0.05} />
  );
  const optimizerType = String(bind.get('optimizer.type') ?? 'sgd');
  const scheduleType = String(bind.get('schedule.type') ?? 'constant');
  const tokenizerType = String(bind.get('data.tokenizer.type') ?? 'char');
  /** True when the form shows the field at `path` for the current types (the model's fields by MODEL_FIELDS). */
  const visible = (path: string): boolean => {
    const [section, field = ''] = path.split('.');
    if (path === 'initFrom') return typeof input.initFrom === 'string';
    // Fine-tuning keeps the weights' block size, except that a transformer's may be cut shorter.
    if (path === 'model.blockSize' && typeof input.initFrom === 'string')
      return input.model?.type === 'transformer';
    if (path === 'data.tokenizer.vocabSize') return tokenizerType === 'bpe';
    if (section === 'model' && !['type', 'blockSize'].includes(field)) return uses(field);
    if (path.startsWith('optimizer.betas')) return optimizerType !== 'sgd';
    if (path === 'optimizer.decay') return optimizerType === 'adamw';
    if (path === 'optimizer.momentum') return optimizerType === 'sgd';
    if (['schedule.warmup', 'schedule.minLr', 'schedule.decaySteps'].includes(path))
      return scheduleType === 'cosine';
    if (['schedule.milestones', 'schedule.gamma'].includes(path)) return scheduleType === 'step';
    return true;
  };
  // Each error goes under the field it names when the form shows that field, else under the form.
  const fieldErrors = new Map<string, string>();
  let generalSpecError: string | null = null;
  for (const e of [
    resolved.error && { field: resolved.error.field, message: resolved.error.message },
    runFieldError,
  ]) {
    if (!e) continue;
    const at = formFieldOf(e.field);
    if (at && visible(at)) {
      if (!fieldErrors.has(at)) fieldErrors.set(at, e.message);
    } else generalSpecError ??= e.message;
  }

  const locked = status === 'running' || busy !== null;
  /** Fine-tune mode: the run starts from trained weights, named by `initFrom`. */
  const fineTuneFrom = typeof input.initFrom === 'string' ? input.initFrom : null;
  const startingModel = weightsModel ?? (input.model as ModelConfig | undefined) ?? null;
  const leaveFineTune = () => {
    setWeightsModel(null);
    applyPreset(DEFAULT_RECIPE);
  };
  const spec = resolved.spec ?? lastGood.current;
  const recipe = RECIPES.find((r) => r.name === presetId);

  async function build(): Promise<boolean> {
    if (isUpload && !upload) {
      setError('Choose a text file to upload first.');
      return false;
    }
    if (resolved.error) {
      setError(`Fix the run spec first: ${resolved.error.message}`);
      return false;
    }
    setBusy('Loading the data and building the model…');
    try {
      const run = {
        spec: input,
        ...(isUpload && upload
          ? { upload: { ...upload, kind: uploadWords ? ('words' as const) : ('text' as const) } }
          : {}),
      };
      let summary: ModelSummary;
      if (fineTuneFrom !== null) {
        await holdWeights(fineTuneFrom);
        setBusy('Loading the data and building the model from its weights…');
        summary = await request({ type: 'fineTune', run, from: fineTuneFrom });
      } else summary = await request({ type: 'configure', run });
      adoptModel(summary, resolved.spec?.training.steps ?? 0);
      runForm.set(structuredClone(input));
      currentUpload.set(run.upload ?? null);
      return true;
    } catch (e) {
      showRunError(e as Error & { field?: string });
      return false;
    } finally {
      setBusy(null);
    }
  }

  /**
   * Makes sure the worker holds the weights a fine-tune run starts from: the model it holds now (under
   * that name), or the starting weights of the current fine-tuned run; else a model saved in this browser
   * under that name, which a shared link names.
   */
  async function holdWeights(from: string): Promise<void> {
    const held = modelSummary.get();
    if (held && (currentModelName() === from || held.startingWeights === from)) return;
    const record = await getModel(from).catch(() => undefined);
    if (!record) {
      throw new RunSpecError(
        'initFrom',
        `this run starts from the weights of “${from}”, but this browser has no saved model of that name: open the link in the browser that saved it, or load or import that model and press “Fine-tune this model” on the Models page`,
      );
    }
    setBusy(`Loading “${from}” from this browser…`);
    const saved = await request({ type: 'import', files: record.files });
    // Taken in as a model, not as a run for the form to show: the form holds the fine-tune spec.
    adoptModel({ ...saved, origin: 'configured' });
    nameModel(from);
  }

  function showRunError(e: Error & { field?: string }) {
    if (e.field && formFieldOf(e.field)) setRunFieldError({ field: e.field, message: e.message });
    else setError(e.message);
  }

  /**
   * Starts a new run (`fresh`), or continues the current one: resumed as it is when the form matches it,
   * else with the form's changes applied from its checkpoint.
   */
  async function start(fresh = false) {
    setError(null);
    setRunFieldError(null);
    const continuing =
      hasCheckpoint && !fresh && needsNewRun.length === 0 && (status !== 'done' || changed.length > 0);
    if (!continuing && !(await build())) return;
    try {
      if (continuing && changed.length > 0 && resolved.spec) {
        if (resolved.error) throw resolved.error;
        setBusy('Applying the changes from the checkpoint…');
        try {
          await request({ type: 'apply', changes: changesOf(resolved.spec, changed) });
        } finally {
          setBusy(null);
        }
        runForm.set(structuredClone(input));
        progress.update((x) => ({ ...x, totalSteps: resolved.spec?.training.steps ?? x.totalSteps }));
      }
      await request({ type: 'start' });
    } catch (e) {
      showRunError(e as Error & { field?: string });
    }
  }

  async function reset() {
    setError(null);
    try {
      await request({ type: 'reset' });
      const s = modelSummary.get();
      if (s) adoptModel({ ...s, step: 0 }, 0);
      await discardSavedRun();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  useEffect(() => {
    if (!compressedUrl) return;
    void runFromUrlAsync(location.search, DEFAULT_RECIPE).then((run) => {
      if (!run) return;
      setInput(run.spec);
      setPresetId(run.recipe);
      setError(run.error ?? null);
      setUrlRun(run);
    });
  }, []);

  // ?autostart=1: start once the worker has its backend (and the URL's spec is in the form).
  const autostarted = useRef(false);
  useEffect(() => {
    if (!urlRun?.autostart || autostarted.current || !backend) return;
    autostarted.current = true;
    void start();
  }, [backend, urlRun]);

  /** A link that opens this page with the form's spec and backend and starts it. */
  async function copyLink() {
    const link = new URL(location.href);
    link.hash = '';
    link.search = '';
    const backendName = new URLSearchParams(location.search).get('backend');
    if (backendName) link.searchParams.set('backend', backendName);
    link.searchParams.set('spec', await encodeSpecParamCompressed({ ...input, recipe: presetId }));
    link.searchParams.set('autostart', '1');
    setShareLink(link.href);
    await navigator.clipboard?.writeText(link.href).catch(() => undefined);
  }

  return (
    <>
      <h2 id="title-train">Train a model</h2>
      {offer && (
        <section class="panel restore-offer" aria-label="Saved run" data-testid="restore-offer">
          <p>
            A run was saved here on {new Date(offer.savedAt).toLocaleString('en')}: {offer.description}.
            Restore it to continue where it stopped.
          </p>
          <div class="buttons">
            <button
              type="button"
              onClick={() =>
                restoreRun(offer).catch((e: Error) => setError(`Could not restore the run: ${e.message}`))
              }
            >
              Restore run
            </button>
            <button type="button" class="secondary" onClick={() => void discardSavedRun()}>
              Discard it
            </button>
          </div>
        </section>
      )}
      {summary && !summary.spec && fineTuneFrom === null && (
        <section class="panel" aria-label="Fine-tune the loaded model" data-testid="fine-tune-offer">
          <p>
            The model loaded now ({describeModel(summary.config)}, from {summary.datasetName}) has no run to
            continue: it samples and explores. Fine-tune it to train it further on a dataset here; Start
            trains the form below from scratch instead.
          </p>
          <div class="buttons">
            <button type="button" disabled={locked} onClick={fineTuneCurrentModel}>
              Fine-tune this model
            </button>
          </div>
        </section>
      )}
      <p class="intro">
        Pick a recipe and press Start to watch a language model learn; every field below is part of the run
        spec, and the run is saved in this browser as it trains.
      </p>
      <div class="control-bar" data-testid="control-bar">
        <div class="buttons">
          {status === 'running' ? (
            <button
              type="button"
              onClick={() => request({ type: 'pause' }).catch((e: Error) => setError(e.message))}
            >
              Pause
            </button>
          ) : (
            <button type="submit" form="train-form" disabled={busy !== null}>
              {canApply
                ? 'Apply and restart from this checkpoint'
                : needsNewRun.length > 0
                  ? 'Start new run'
                  : status === 'paused'
                    ? 'Resume'
                    : 'Start'}
            </button>
          )}
          {hasCheckpoint && needsNewRun.length === 0 && (status !== 'done' || canApply) && (
            <button type="button" disabled={busy !== null} onClick={() => void start(true)}>
              Start new run
            </button>
          )}
          <button
            type="button"
            class="secondary"
            disabled={!summary || status === 'running' || busy !== null}
            onClick={() => void reset()}
          >
            Reset
          </button>
          <button type="button" class="secondary" onClick={() => void copyLink()}>
            Copy link
          </button>
        </div>
        <dl class="stats" aria-live="off" data-testid="stats" data-run={p.run}>
          <div>
            <dt>step</dt>
            <dd data-testid="step">
              {p.step}
              {p.totalSteps ? ` / ${p.totalSteps}` : ''}
            </dd>
          </div>
          <div>
            <dt>loss</dt>
            <dd data-testid="loss">{p.loss === null ? '–' : p.loss.toFixed(4)}</dd>
          </div>
          <div>
            <dt>first loss</dt>
            <dd data-testid="first-loss">{h.losses.length ? h.losses[0]!.toFixed(4) : '–'}</dd>
          </div>
          <div>
            <dt>dev</dt>
            <dd data-testid="dev-loss">{h.devLoss.length ? h.devLoss.at(-1)!.toFixed(4) : '–'}</dd>
          </div>
          <div>
            <dt>steps/s</dt>
            <dd data-testid="steps-per-second">{p.stepsPerSecond ? p.stepsPerSecond.toFixed(1) : '–'}</dd>
          </div>
          <div>
            <dt>ETA</dt>
            <dd>{status === 'running' ? formatDuration(p.etaSeconds) : '–'}</dd>
          </div>
          <div>
            <dt>status</dt>
            <dd data-testid="status">{status}</dd>
          </div>
        </dl>
      </div>
      {shareLink && (
        <div class="field share-link">
          <label for="share-link">Link to this run (copied)</label>
          <input id="share-link" type="text" readOnly value={shareLink} data-testid="share-link" />
        </div>
      )}
      <div class="grid2">
        {/* The spec's own checks (RunSpecError, shown per field) replace the browser's min/max validation. */}
        <form
          id="train-form"
          class="panel"
          noValidate
          aria-label="Training setup"
          onSubmit={(event) => {
            event.preventDefault();
            void start();
          }}
        >
          {fineTuneFrom !== null ? (
            <div class="fine-tune-banner" data-testid="fine-tune">
              <p>
                <strong>Fine-tuning</strong> from “{fineTuneFrom}”
                {startingModel ? `: ${describeModel(startingModel)}` : ''}.
              </p>
              <p class="muted">
                A new run starts from these weights, with a fresh optimizer and schedule. The model is theirs
                (only dropout and a shorter block size change), and so is the tokenizer.
              </p>
              {bind.error('initFrom') && (
                <span class="field-error" role="alert" data-testid="error-initFrom">
                  {bind.error('initFrom')}
                </span>
              )}
              <div class="buttons">
                <button type="button" class="secondary" disabled={locked} onClick={leaveFineTune}>
                  Train from scratch instead
                </button>
              </div>
            </div>
          ) : (
            <>
              <SelectField
                label="Preset"
                value={presetId}
                options={[
                  ...RECIPES.map((r) => ({
                    value: r.name,
                    label: isTrainable(r) ? r.title : `${r.title} (a count table: see Explore)`,
                    disabled: !isTrainable(r),
                  })),
                  { value: CUSTOM, label: 'Custom (every default)' },
                ]}
                onChange={applyPreset}
                disabled={locked}
              />
              {recipe ? (
                <div class="muted" data-testid="recipe-info">
                  <p>{recipe.description}</p>
                  <p>
                    Source: {recipe.source}. Reference: {referenceText(recipe)}.
                  </p>
                </div>
              ) : (
                <p class="muted">The defaults of the model family; edit any field below.</p>
              )}
            </>
          )}
          <fieldset disabled={locked}>
            <legend>Data</legend>
            <SelectField
              label="Dataset"
              value={isUpload ? 'upload' : datasetName}
              options={[
                ...datasetOptions,
                { value: 'upload', label: 'upload a text file…', disabled: false },
              ]}
              onChange={setDataset}
            />
            {bind.error('data.dataset') && (
              <span class="field-error" role="alert" data-testid="error-data.dataset">
                {bind.error('data.dataset')}
              </span>
            )}
            {isUpload && (
              <>
                <div class="field">
                  <label for="upload-file">Text file</label>
                  <input
                    id="upload-file"
                    type="file"
                    accept=".txt,text/plain"
                    onChange={async (event) => {
                      const file = (event.currentTarget as HTMLInputElement).files?.[0];
                      if (!file) return;
                      const text = await file.text();
                      // Checked before anything changes: a bad file leaves the form and the model as they were.
                      const why = text.trim() === '' ? 'it is empty or only whitespace' : binaryReason(text);
                      if (why) {
                        setUploadError(`${file.name} cannot be used: ${why}. Choose a text file.`);
                        return;
                      }
                      setUploadError(null);
                      setUpload({ fileName: file.name, text });
                      edit(setField(input, 'data.dataset', file.name));
                    }}
                  />
                </div>
                {uploadError && (
                  <span class="field-error" role="alert" data-testid="upload-error">
                    {uploadError}
                  </span>
                )}
                <label class="check">
                  <input
                    type="checkbox"
                    checked={uploadWords}
                    onChange={(e) => {
                      const words = (e.currentTarget as HTMLInputElement).checked;
                      setUploadWords(words);
                      const data = { ...(input.data ?? {}), kind: words ? 'words' : 'text' } as const;
                      delete (data as { split?: unknown }).split;
                      edit({ ...input, data });
                    }}
                  />
                  One item per line (like names)
                </label>
              </>
            )}
            {fineTuneFrom !== null ? (
              <p class="muted" data-testid="fine-tune-tokenizer">
                Tokenizer: the model&apos;s own
                {summary
                  ? ` (${summary.tokenizerKind}, ${summary.vocab.length.toLocaleString('en')} tokens)`
                  : ''}
                , not editable: the weights learned its ids.
              </p>
            ) : (
              <div class="field-row">
                <SpecSelect
                  label="Tokenizer"
                  path="data.tokenizer.type"
                  bind={bind}
                  options={['char', 'bpe']}
                  onChange={(type) =>
                    edit(
                      setField(input, 'data.tokenizer', type === 'bpe' ? { type, vocabSize: 512 } : { type }),
                    )
                  }
                />
                {bind.get('data.tokenizer.type') === 'bpe' && (
                  <SpecNumber
                    label="BPE vocab size"
                    path="data.tokenizer.vocabSize"
                    bind={bind}
                    min={256}
                    step={1}
                  />
                )}
              </div>
            )}
          </fieldset>
          <fieldset disabled={locked}>
            <legend>Model</legend>
            {fineTuneFrom !== null ? (
              <>
                <p class="muted" data-testid="fine-tune-model">
                  From “{fineTuneFrom}”: {startingModel ? describeModel(startingModel) : 'its saved model'}.
                  {visible('model.blockSize')
                    ? ' Only dropout and a shorter block size can change.'
                    : uses('dropout')
                      ? ' Only dropout can change.'
                      : ' None of it changes.'}
                </p>
                <div class="field-row">
                  {visible('model.blockSize') && (
                    <SpecNumber
                      label={`Block size (at most ${startingModel?.blockSize ?? '?'})`}
                      path="model.blockSize"
                      bind={bind}
                      min={1}
                      {...(startingModel ? { max: startingModel.blockSize } : {})}
                      step={1}
                    />
                  )}
                  {dropoutField}
                </div>
              </>
            ) : (
              <>
                <div class="field-row">
                  <SpecSelect
                    label="Model type"
                    path="model.type"
                    bind={bind}
                    options={MODEL_TYPES}
                    onChange={setType('model')}
                  />
                  <SpecNumber
                    label="Block size (0 = auto)"
                    path="model.blockSize"
                    bind={bind}
                    min={0}
                    step={1}
                    zeroMeans="auto"
                  />
                  {uses('nEmbd') && (
                    <SpecNumber label="Embedding size" path="model.nEmbd" bind={bind} min={1} step={1} />
                  )}
                  {uses('nEmbd2') && (
                    <SpecNumber label="Hidden state size" path="model.nEmbd2" bind={bind} min={1} step={1} />
                  )}
                  {uses('nHidden') && (
                    <SpecNumber label="Hidden units" path="model.nHidden" bind={bind} min={1} step={1} />
                  )}
                  {uses('nLayer') && (
                    <SpecNumber label="Layers" path="model.nLayer" bind={bind} min={1} step={1} />
                  )}
                  {uses('nHead') && (
                    <SpecNumber label="Heads" path="model.nHead" bind={bind} min={1} step={1} />
                  )}
                  {dropoutField}
                  {uses('inputKind') && (
                    <SpecSelect
                      label="Input"
                      path="model.inputKind"
                      bind={bind}
                      options={['window', 'sequence']}
                    />
                  )}
                  {uses('gelu') && (
                    <SpecSelect label="GELU" path="model.gelu" bind={bind} options={['tanh', 'erf']} />
                  )}
                  {uses('init') && (
                    <SpecSelect
                      label="Initialisation"
                      path="model.init"
                      bind={bind}
                      options={['pytorch', 'gpt2']}
                    />
                  )}
                </div>
                <div class="field-row">
                  {uses('batchNorm') && <SpecCheck label="Batch norm" path="model.batchNorm" bind={bind} />}
                  {uses('bias') && <SpecCheck label="Biases" path="model.bias" bind={bind} />}
                  {uses('tieWeights') && (
                    <SpecCheck label="Tie embedding and head" path="model.tieWeights" bind={bind} />
                  )}
                </div>
              </>
            )}
          </fieldset>
          <fieldset disabled={locked}>
            <legend>Optimizer and schedule</legend>
            <div class="field-row">
              <SpecSelect
                label="Optimizer"
                path="optimizer.type"
                bind={bind}
                options={['sgd', 'adam', 'adamw']}
                onChange={setType('optimizer')}
              />
              <SpecNumber label="Learning rate" path="optimizer.lr" bind={bind} min={0} />
              {optimizerType !== 'sgd' && (
                <>
                  <SpecNumber label="Beta 1" path="optimizer.betas.0" bind={bind} min={0} max={1} />
                  <SpecNumber label="Beta 2" path="optimizer.betas.1" bind={bind} min={0} max={1} />
                </>
              )}
              <SpecNumber label="Weight decay" path="optimizer.weightDecay" bind={bind} min={0} />
              {optimizerType === 'adamw' && (
                <SpecSelect
                  label="Decay applies to"
                  path="optimizer.decay"
                  bind={bind}
                  options={['matrices', 'rank2', 'all', 'none']}
                />
              )}
              {optimizerType === 'sgd' && (
                <SpecNumber label="Momentum" path="optimizer.momentum" bind={bind} min={0} max={0.999} />
              )}
              <SpecSelect
                label="LR schedule"
                path="schedule.type"
                bind={bind}
                options={['constant', 'step', 'cosine']}
                onChange={setType('schedule')}
              />
              {scheduleType === 'cosine' && (
                <>
                  <SpecNumber label="Warmup steps" path="schedule.warmup" bind={bind} min={0} step={1} />
                  <SpecNumber label="Minimum LR" path="schedule.minLr" bind={bind} min={0} />
                  <SpecNumber label="Decay steps" path="schedule.decaySteps" bind={bind} min={1} step={1} />
                </>
              )}
              {scheduleType === 'step' && (
                <>
                  <SpecText
                    label="Milestones"
                    path="schedule.milestones"
                    bind={bind}
                    placeholder="e.g. 11250, 14000"
                    format={(v) => (Array.isArray(v) ? v.join(', ') : '')}
                    parse={(t) =>
                      t.trim() === ''
                        ? undefined
                        : t
                            .split(/[\s,]+/)
                            .filter(Boolean)
                            .map((x) => Number(x))
                    }
                  />
                  <SpecNumber label="Gamma" path="schedule.gamma" bind={bind} min={0} />
                </>
              )}
            </div>
          </fieldset>
          <fieldset disabled={locked}>
            <legend>Training, evaluation and samples</legend>
            <div class="field-row">
              <SpecNumber label="Steps" path="training.steps" bind={bind} min={1} step={1} />
              <SpecNumber label="Batch size" path="training.batchSize" bind={bind} min={1} step={1} />
              <SpecNumber
                label="Gradient accumulation"
                path="training.gradAccum"
                bind={bind}
                min={1}
                step={1}
              />
              <SpecNumber label="Gradient clip (0 = off)" path="training.gradClip" bind={bind} min={0} />
              <SpecNumber label="Seed" path="training.seed" bind={bind} min={0} step={1} />
              <SpecNumber label="Eval every" path="eval.every" bind={bind} min={0} step={1} />
              <SpecText
                label="Eval batches (all or a number)"
                path="eval.iters"
                bind={bind}
                parse={(t) => (t.trim() === '' ? undefined : t.trim() === 'all' ? 'all' : Number(t))}
              />
              <SpecNumber label="Sample every" path="sample.every" bind={bind} min={0} step={1} />
              <SpecNumber label="Samples" path="sample.n" bind={bind} min={1} step={1} />
              <SpecNumber label="Sample temperature" path="sample.temperature" bind={bind} min={0} />
              <SpecNumber label="Sample top-k (0 = off)" path="sample.topK" bind={bind} min={0} step={1} />
              <SpecNumber
                label="Sample length (tokens)"
                path="sample.maxTokens"
                bind={bind}
                min={1}
                step={1}
              />
              <SpecText label="Sample prompt" path="sample.prompt" bind={bind} />
            </div>
          </fieldset>
          {spec && (
            <p class="muted" data-testid="spec-summary">
              {spec.recipe ? `${spec.recipe}: ` : ''}
              {spec.model.type}
              {spec.initFrom !== undefined ? ` fine-tuned from “${spec.initFrom}”` : ''} on{' '}
              {spec.data.dataset}, {spec.optimizer.type} {spec.optimizer.lr} with a {spec.schedule.type}{' '}
              schedule, {spec.training.steps.toLocaleString('en')} steps of {spec.training.batchSize}.
            </p>
          )}
          {hasCheckpoint && canApply && (
            <p class="muted" data-testid="form-changes">
              The form differs from the run at step {p.step} in {changed.join(', ')}. Apply and restart from
              this checkpoint keeps its weights and optimizer state and continues with these settings; Start
              new run trains the form from scratch, and the current model stays until the new run is built.
            </p>
          )}
          {hasCheckpoint && needsNewRun.length > 0 && (
            <p class="muted" data-testid="form-changes">
              The form changes {needsNewRun.join(', ')}, which a run cannot change from its checkpoint: Start
              new run trains the form from scratch, and the current model stays until the new run is built.
              Reset or reload the run's settings to continue it instead.
            </p>
          )}
          {status === 'stopped' && (
            <p class="muted" data-testid="stopped-note">
              The run stopped at step {p.step}, its last good checkpoint. Change the settings and apply them,
              or start a new run.
            </p>
          )}
          <ErrorAlert message={generalSpecError} />
          {busy && (
            <p class="muted" role="status">
              {busy}
            </p>
          )}
          <ErrorAlert message={error ?? runError} />
          {notes.length > 0 && (
            <ul class="muted" data-testid="resume-notes">
              {notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </form>
        <div>
          <Panel title="Loss">
            {summary && (
              <p class="muted">
                {summary.config.type} with {summary.numParams.toLocaleString('en')} parameters on{' '}
                {summary.datasetName} ({summary.tokenizerKind} tokenizer, vocab {summary.config.vocabSize},
                block {summary.config.blockSize}).
              </p>
            )}
            <LossChart history={h} />
            {lrPoints.x.length > 1 && (
              <LineChart
                x={lrPoints.x}
                y={lrPoints.y}
                xLabel="step"
                yLabel="learning rate"
                label="The learning rate at each step, as the schedule set it"
                testId="lr-chart"
                height={140}
              />
            )}
          </Panel>
          <Panel title={`Samples${samples.step ? ` at step ${samples.step}` : ''}`}>
            <SampleList samples={samples.samples} words={summary?.isWords ?? true} testId="train-samples" />
          </Panel>
        </div>
      </div>
    </>
  );
}
