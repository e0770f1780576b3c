/**
 * Train: choose a dataset, a tokenizer and a model (or a preset), then start, pause, resume or reset a
 * run that trains in the worker. A live log-scale loss chart, steps/s, ETA and refreshed samples follow it.
 */
import { useState } from 'preact/hooks';
import { ErrorAlert, formatDuration, NumberField, Panel, SelectField } from '../components/fields';
import { LossChart } from '../components/LossChart';
import { SampleList } from '../components/SampleList';
import { useDatasetOptions } from '../lib/data';
import { useObservable } from '../lib/observable';
import { BUILTIN_DATASETS, DEFAULT_TRAIN, MODEL_TYPES, PRESETS } from '../presets';
import { adoptModel, history, liveSamples, modelSummary, progress, trainStatus, workerError } from '../state';
import { request } from '../worker/client';
import type { RunSetup, TrainSettings } from '../worker/protocol';

type DatasetChoice = (typeof BUILTIN_DATASETS)[number] | 'upload';

const first = PRESETS[0]!;

export function TrainPage(_: { active: boolean }) {
  const [presetId, setPresetId] = useState(first.id);
  const [dataset, setDataset] = useState<DatasetChoice>('names');
  const [upload, setUpload] = useState<{ fileName: string; text: string } | null>(null);
  const [uploadWords, setUploadWords] = useState(true);
  const [tokenizer, setTokenizer] = useState<'char' | 'bpe'>('char');
  const [bpeVocab, setBpeVocab] = useState(512);
  const [model, setModel] = useState<RunSetup['model']>(first.model);
  const [train, setTrain] = useState<TrainSettings>({ ...DEFAULT_TRAIN, ...first.train });
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const status = useObservable(trainStatus);
  const summary = useObservable(modelSummary);
  const h = useObservable(history);
  const p = useObservable(progress);
  const samples = useObservable(liveSamples);
  const runError = useObservable(workerError);
  const datasetOptions = useDatasetOptions(BUILTIN_DATASETS);

  const applyPreset = (id: string) => {
    const preset = PRESETS.find((x) => x.id === id);
    setPresetId(id);
    if (!preset) return;
    setModel(preset.model);
    setTrain({ ...DEFAULT_TRAIN, ...preset.train });
    setDataset(preset.dataset as DatasetChoice);
  };
  const setModelField = (key: string, value: unknown) => setModel((m) => ({ ...m, [key]: value }));
  const setTrainField = <K extends keyof TrainSettings>(key: K, value: TrainSettings[K]) =>
    setTrain((t) => ({ ...t, [key]: value }));

  const locked = status === 'running' || busy !== null;

  async function build(): Promise<boolean> {
    if (dataset === 'upload' && !upload) {
      setError('Choose a text file to upload first.');
      return false;
    }
    const setup: RunSetup = {
      data:
        dataset === 'upload'
          ? { kind: 'upload', fileName: upload!.fileName, text: upload!.text, words: uploadWords }
          : { kind: 'builtin', name: dataset },
      tokenizer: tokenizer === 'char' ? { kind: 'char' } : { kind: 'bpe', vocabSize: bpeVocab },
      model,
      train,
    };
    setBusy('Loading the data and building the model…');
    try {
      adoptModel(await request({ type: 'configure', setup }), train.steps);
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(null);
    }
  }

  async function start() {
    setError(null);
    if (status !== 'paused' && !(await build())) return;
    try {
      await request({ type: 'start' });
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const t = model.type;
  const uses = (k: string) =>
    ({
      nEmbd: t !== 'bigram-nn',
      nHidden: t === 'mlp' || t === 'wavenet' || t === 'bow',
      nEmbd2: t === 'rnn' || t === 'gru' || t === 'lstm' || t === 'bow',
      nLayer: t === 'transformer',
      nHead: t === 'transformer',
      dropout: t === 'transformer',
    })[k] ?? true;

  return (
    <>
      <h2 id="title-train">Train a model</h2>
      <div class="grid2">
        <form
          class="panel"
          aria-label="Training setup"
          onSubmit={(event) => {
            event.preventDefault();
            void start();
          }}
        >
          <SelectField
            label="Preset"
            value={presetId}
            options={[
              ...PRESETS.map((x) => ({ value: x.id, label: x.label })),
              { value: 'custom', label: 'Custom' },
            ]}
            onChange={applyPreset}
            disabled={locked}
          />
          <p class="muted">{PRESETS.find((x) => x.id === presetId)?.description ?? 'Your own settings.'}</p>
          <fieldset disabled={locked}>
            <legend>Data</legend>
            <SelectField
              label="Dataset"
              value={dataset}
              options={[
                ...datasetOptions,
                { value: 'upload', label: 'upload a text file…', disabled: false },
              ]}
              onChange={(v) => setDataset(v as DatasetChoice)}
            />
            {dataset === 'upload' && (
              <>
                <div class="field">
                  <label for="upload-file">Text file</label>
                  <input
                    id="upload-file"
                    type="file"
                    accept=".txt,text/plain"
                    onChange={async (event) => {
                      const file = (event.currentTarget as HTMLInputElement).files?.[0];
                      if (file) setUpload({ fileName: file.name, text: await file.text() });
                    }}
                  />
                </div>
                <label class="check">
                  <input
                    type="checkbox"
                    checked={uploadWords}
                    onChange={(e) => setUploadWords((e.currentTarget as HTMLInputElement).checked)}
                  />
                  One item per line (like names)
                </label>
              </>
            )}
            <div class="field-row">
              <SelectField
                label="Tokenizer"
                value={tokenizer}
                options={['char', 'bpe']}
                onChange={setTokenizer}
              />
              {tokenizer === 'bpe' && (
                <NumberField
                  label="BPE vocab size"
                  value={bpeVocab}
                  min={257}
                  max={8192}
                  step={1}
                  onChange={setBpeVocab}
                />
              )}
            </div>
          </fieldset>
          <fieldset disabled={locked}>
            <legend>Model</legend>
            <div class="field-row">
              <SelectField
                label="Model type"
                value={model.type}
                options={MODEL_TYPES}
                onChange={(v) => {
                  setPresetId('custom');
                  setModelField('type', v);
                }}
              />
              <NumberField
                label="Block size (0 = auto)"
                value={model.blockSize}
                min={0}
                step={1}
                onChange={(v) => setModelField('blockSize', v)}
              />
              {uses('nEmbd') && (
                <NumberField
                  label="Embedding size"
                  value={model.nEmbd ?? 64}
                  min={1}
                  step={1}
                  onChange={(v) => setModelField('nEmbd', v)}
                />
              )}
              {uses('nEmbd2') && (
                <NumberField
                  label="Hidden state size"
                  value={model.nEmbd2 ?? 64}
                  min={1}
                  step={1}
                  onChange={(v) => setModelField('nEmbd2', v)}
                />
              )}
              {uses('nHidden') && (
                <NumberField
                  label="Hidden units"
                  value={model.nHidden ?? 200}
                  min={1}
                  step={1}
                  onChange={(v) => setModelField('nHidden', v)}
                />
              )}
              {uses('nLayer') && (
                <NumberField
                  label="Layers"
                  value={model.nLayer ?? 4}
                  min={1}
                  step={1}
                  onChange={(v) => setModelField('nLayer', v)}
                />
              )}
              {uses('nHead') && (
                <NumberField
                  label="Heads"
                  value={model.nHead ?? 4}
                  min={1}
                  step={1}
                  onChange={(v) => setModelField('nHead', v)}
                />
              )}
              {uses('dropout') && (
                <NumberField
                  label="Dropout"
                  value={model.dropout ?? 0}
                  min={0}
                  max={0.9}
                  step={0.05}
                  onChange={(v) => setModelField('dropout', v)}
                />
              )}
            </div>
          </fieldset>
          <fieldset disabled={locked}>
            <legend>Optimisation</legend>
            <div class="field-row">
              <NumberField
                label="Steps"
                value={train.steps}
                min={1}
                step={1}
                onChange={(v) => setTrainField('steps', v)}
              />
              <NumberField
                label="Batch size"
                value={train.batchSize}
                min={1}
                step={1}
                onChange={(v) => setTrainField('batchSize', v)}
              />
              <NumberField
                label="Learning rate"
                value={train.learningRate}
                min={0}
                onChange={(v) => setTrainField('learningRate', v)}
              />
              <SelectField
                label="Optimizer"
                value={train.optimizer}
                options={['sgd', 'adamw']}
                onChange={(v) => setTrainField('optimizer', v)}
              />
              <SelectField
                label="LR schedule"
                value={train.schedule}
                options={['constant', 'step', 'cosine']}
                onChange={(v) => setTrainField('schedule', v)}
              />
              <NumberField
                label="Weight decay"
                value={train.weightDecay}
                min={0}
                onChange={(v) => setTrainField('weightDecay', v)}
              />
              <NumberField
                label="Eval every"
                value={train.evalEvery}
                min={1}
                step={1}
                onChange={(v) => setTrainField('evalEvery', v)}
              />
              <NumberField
                label="Sample every"
                value={train.sampleEvery}
                min={1}
                step={1}
                onChange={(v) => setTrainField('sampleEvery', v)}
              />
              <NumberField
                label="Seed"
                value={train.seed}
                step={1}
                onChange={(v) => setTrainField('seed', v)}
              />
            </div>
          </fieldset>
          <div class="buttons">
            {status === 'running' ? (
              <button
                type="button"
                onClick={() => request({ type: 'pause' }).catch((e: Error) => setError(e.message))}
              >
                Pause
              </button>
            ) : (
              <button type="submit" disabled={busy !== null}>
                {status === 'paused' ? 'Resume' : 'Start'}
              </button>
            )}
            <button
              type="button"
              class="secondary"
              disabled={!summary || status === 'running' || busy !== null}
              onClick={async () => {
                setError(null);
                try {
                  await request({ type: 'reset' });
                  const s = modelSummary.get();
                  if (s) adoptModel({ ...s, step: 0 }, 0);
                } catch (e) {
                  setError((e as Error).message);
                }
              }}
            >
              Reset
            </button>
          </div>
          {busy && (
            <p class="muted" role="status">
              {busy}
            </p>
          )}
          <ErrorAlert message={error ?? runError} />
        </form>
        <div>
          <Panel title="Loss">
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
            {summary && (
              <p class="muted">
                {summary.config.type} with {summary.numParams.toLocaleString('en')} parameters on{' '}
                {summary.datasetName} ({summary.tokenizerKind} tokenizer, vocab {summary.config.vocabSize},
                block {summary.config.blockSize}).
              </p>
            )}
            <LossChart history={h} />
          </Panel>
          <Panel title={`Samples${samples.step ? ` at step ${samples.step}` : ''}`}>
            <SampleList samples={samples.samples} words={summary?.isWords ?? true} testId="train-samples" />
          </Panel>
        </div>
      </div>
    </>
  );
}
