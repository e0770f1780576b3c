/**
 * Models: save the current run to IndexedDB; list, load and delete saved ones; export it as the CLI's
 * checkpoint files (the trainer's codec: `config.json`, `model.safetensors`, `optimizer.safetensors`, and
 * the spec as `run.json`) and import such files, so runs move between the CLI and the browser in both
 * directions and keep training on either side.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorAlert, Panel, TextField } from '../components/fields';
import { deleteModel, getModel, listModels, type SavedModel, saveModel } from '../lib/model-store';
import { useObservable } from '../lib/observable';
import {
  adoptModel,
  currentModelName,
  fineTuneCurrentModel,
  fineTuneModel,
  modelSummary,
  nameModel,
  trainStatus,
} from '../state';
import { request } from '../worker/client';
import type { CheckpointFiles } from '../worker/protocol';

function download(name: string, data: Uint8Array, type: string) {
  const url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Downloads a checkpoint's files under the names the CLI reads: `run.json` goes in `DIR/`, the rest in
 * `DIR/last/` (`makemore train --resume --out DIR`).
 */
function exportFiles(files: CheckpointFiles) {
  for (const [name, bytes] of Object.entries(files))
    download(name, bytes, name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
}

/**
 * The checkpoint file a chosen file stands for. Browsers rename a repeated download
 * (`model (1).safetensors`), so the name's start decides.
 */
function checkpointName(fileName: string): string | null {
  const n = fileName.toLowerCase();
  if (n.endsWith('.safetensors'))
    return n.startsWith('optimizer') ? 'optimizer.safetensors' : 'model.safetensors';
  if (n.endsWith('.json')) return n.startsWith('run') ? 'run.json' : 'config.json';
  return null;
}

export function ModelsPage({ active }: { active: boolean }) {
  const summary = useObservable(modelSummary);
  const status = useObservable(trainStatus);
  const [saved, setSaved] = useState<SavedModel[]>([]);
  const [name, setName] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = () => listModels().then(setSaved, (e: Error) => setError(e.message));
  useEffect(() => {
    if (active) void refresh();
  }, [active]);

  const guard = async (work: () => Promise<string>) => {
    setError(null);
    setMessage(null);
    try {
      setMessage(await work());
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const defaultName = summary ? `${summary.config.type}-${summary.datasetName}-step${summary.step}` : '';

  const save = () =>
    guard(async () => {
      if (!summary) throw new Error('There is no model to save: train or load one first.');
      const files = await request({ type: 'export' });
      const modelName = name.trim() || defaultName;
      await saveModel({
        files,
        name: modelName,
        savedAt: new Date().toISOString(),
        summary: `${summary.config.type}, ${summary.numParams.toLocaleString('en')} params, ${summary.datasetName}, step ${summary.step}`,
      });
      await refresh();
      // A run fine-tuned from this model now records the saved name, which a shared link can load.
      nameModel(modelName);
      return `Saved “${modelName}”.`;
    });

  const load = (modelName: string) =>
    guard(async () => {
      const record = await getModel(modelName);
      if (!record) throw new Error(`No saved model is named “${modelName}”.`);
      adoptModel(await request({ type: 'import', files: record.files }));
      nameModel(modelName);
      return `Loaded “${modelName}”.`;
    });

  const importFiles = (list: FileList | null) =>
    guard(async () => {
      const chosen = [...(list ?? [])];
      const files: CheckpointFiles = {};
      for (const file of chosen) {
        const name = checkpointName(file.name);
        if (name) files[name] = new Uint8Array(await file.arrayBuffer());
      }
      if (!files['config.json'] || !files['model.safetensors']) {
        throw new Error(
          `Choose the files of a checkpoint together: config.json and model.safetensors, with optimizer.safetensors and run.json to continue training (got ${
            chosen.map((f) => f.name).join(', ') || 'nothing'
          }).`,
        );
      }
      const result = await request(
        { type: 'import', files },
        Object.values(files).map((b) => b.buffer),
      );
      adoptModel(result, result.spec?.training.steps ?? 0);
      const what = result.spec
        ? `a ${result.config.type} run paused at step ${result.step}: Resume on the Train page continues it`
        : `${result.config.type} with ${result.numParams.toLocaleString('en')} parameters (weights only: it samples)`;
      return `Imported ${chosen.map((f) => f.name).join(' + ')}: ${what}.`;
    });

  /** Hugging Face GPT-2 weights (with config.json when the width is not one of OpenAI's sizes). */
  const importGpt2 = (list: FileList | null) =>
    guard(async () => {
      const chosen = [...(list ?? [])];
      const weights = chosen.find((f) => f.name.toLowerCase().endsWith('.safetensors'));
      const config = chosen.find((f) => f.name.toLowerCase().endsWith('.json'));
      if (!weights) throw new Error('Choose the model.safetensors of a Hugging Face GPT-2 model.');
      const bytes = new Uint8Array(await weights.arrayBuffer());
      const configBytes = config ? new Uint8Array(await config.arrayBuffer()) : undefined;
      const result = await request(
        { type: 'importHfGpt2', weights: bytes, ...(configBytes ? { config: configBytes } : {}) },
        [bytes.buffer, ...(configBytes ? [configBytes.buffer] : [])],
      );
      adoptModel(result, 0);
      nameModel(`GPT-2 from ${weights.name}`);
      return `Imported GPT-2 from ${chosen.map((f) => f.name).join(' + ')}: ${result.numParams.toLocaleString('en')} parameters, with GPT-2's r50k_base encoding. Sample it on the Sample page.`;
    });

  return (
    <>
      <h2 id="title-models">Models</h2>
      <Panel title="Current model">
        {summary ? (
          <p data-testid="current-model">
            {summary.config.type}, {summary.numParams.toLocaleString('en')} parameters, trained {summary.step}{' '}
            steps on {summary.datasetName}.
          </p>
        ) : (
          <p class="muted">No model yet.</p>
        )}
        <form
          aria-label="Save the current model"
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <TextField
            label="Save as"
            value={name}
            onInput={setName}
            placeholder={defaultName || 'model name'}
          />
          <div class="buttons">
            <button type="submit" disabled={!summary || status === 'running'}>
              Save to browser
            </button>
            <button
              type="button"
              class="secondary"
              disabled={!summary || status === 'running'}
              onClick={() =>
                guard(async () => {
                  exportFiles(await request({ type: 'export' }));
                  return 'Exported config.json, model.safetensors, optimizer.safetensors and run.json.';
                })
              }
            >
              Export files
            </button>
            <button
              type="button"
              class="secondary"
              disabled={!summary || status === 'running'}
              onClick={fineTuneCurrentModel}
            >
              Fine-tune this model
            </button>
          </div>
        </form>
        {message && (
          <p role="status" data-testid="models-message">
            {message}
          </p>
        )}
        <ErrorAlert message={error} />
      </Panel>
      <Panel title="Import a checkpoint">
        <p class="muted">
          Select the files of a CLI checkpoint together: <code>config.json</code>,{' '}
          <code>model.safetensors</code> and <code>optimizer.safetensors</code> from{' '}
          <code>&lt;out&gt;/last/</code> of <code>makemore train --out &lt;out&gt;</code> (with{' '}
          <code>&lt;out&gt;/run.json</code> if you like); the run continues here with Resume. Exported files
          go the other way: put <code>run.json</code> in <code>&lt;dir&gt;/</code> and the other three in{' '}
          <code>&lt;dir&gt;/last/</code>, then run <code>makemore train --resume --out &lt;dir&gt;</code> or{' '}
          <code>makemore sample --checkpoint &lt;dir&gt;</code>.
        </p>
        <div class="field">
          <label for="import-files">Checkpoint files</label>
          <input
            id="import-files"
            type="file"
            multiple
            accept=".json,.safetensors"
            disabled={status === 'running'}
            onChange={(event) => void importFiles((event.currentTarget as HTMLInputElement).files)}
          />
        </div>
      </Panel>
      <Panel title="Import HF GPT-2 (.safetensors)">
        <p class="muted">
          A Hugging Face GPT-2 <code>model.safetensors</code> (<code>gpt2</code> … <code>gpt2-xl</code>), with
          its <code>config.json</code> if you have it, read with GPT-2&apos;s r50k_base encoding (bundled):
          the same as <code>makemore import hf-gpt2</code>.
        </p>
        <div class="field">
          <label for="import-hf-gpt2">GPT-2 files</label>
          <input
            id="import-hf-gpt2"
            type="file"
            multiple
            accept=".json,.safetensors"
            disabled={status === 'running'}
            onChange={(event) => void importGpt2((event.currentTarget as HTMLInputElement).files)}
          />
        </div>
      </Panel>
      <Panel title="Saved in this browser">
        {saved.length === 0 ? (
          <p class="muted">Nothing saved yet.</p>
        ) : (
          <div class="scroll">
            <table class="list" data-testid="saved-models">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Model</th>
                  <th scope="col">Saved</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {saved.map((m) => (
                  <tr key={m.name}>
                    <td>{m.name}</td>
                    <td>{m.summary}</td>
                    <td>{new Date(m.savedAt).toLocaleString('en')}</td>
                    <td>
                      <div class="buttons">
                        <button
                          type="button"
                          aria-label={`Load ${m.name}`}
                          disabled={status === 'running'}
                          onClick={() => void load(m.name)}
                        >
                          Load
                        </button>
                        <button
                          type="button"
                          class="secondary"
                          aria-label={`Fine-tune ${m.name}`}
                          disabled={status === 'running'}
                          onClick={() =>
                            guard(async () => {
                              const record = await getModel(m.name);
                              if (!record) throw new Error(`No saved model is named “${m.name}”.`);
                              adoptModel(await request({ type: 'import', files: record.files }));
                              fineTuneModel(m.name);
                              return `Loaded “${m.name}” to fine-tune it: set up the run on the Train page.`;
                            })
                          }
                        >
                          Fine-tune
                        </button>
                        <button
                          type="button"
                          class="secondary"
                          aria-label={`Export ${m.name}`}
                          onClick={() => exportFiles(m.files)}
                        >
                          Export
                        </button>
                        <button
                          type="button"
                          class="danger"
                          aria-label={`Delete ${m.name}`}
                          onClick={() =>
                            guard(async () => {
                              await deleteModel(m.name);
                              await refresh();
                              return `Deleted “${m.name}”.`;
                            })
                          }
                        >
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
    </>
  );
}
