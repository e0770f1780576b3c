/**
 * Models: save the current model to IndexedDB; list, load and delete saved ones; export a model as the
 * CLI's checkpoint files (`config.json` + `model.safetensors`) and import such a pair, so models move
 * between the CLI and the browser in both directions.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorAlert, Panel, TextField } from '../components/fields';
import { deleteModel, getModel, listModels, type SavedModel, saveModel } from '../lib/model-store';
import { useObservable } from '../lib/observable';
import { adoptModel, modelSummary, trainStatus } from '../state';
import { request } from '../worker/client';
import type { CheckpointFiles } from '../worker/protocol';

function download(name: string, data: BlobPart, type: string) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Downloads the files of one checkpoint slot under the names the CLI reads from `<dir>/last/`. */
function exportFiles(files: CheckpointFiles) {
  download('config.json', files.configJson, 'application/json');
  download('model.safetensors', files.safetensors, 'application/octet-stream');
  if (files.optimizerSafetensors)
    download('optimizer.safetensors', files.optimizerSafetensors, 'application/octet-stream');
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
        ...files,
        name: modelName,
        savedAt: new Date().toISOString(),
        summary: `${summary.config.type}, ${summary.numParams.toLocaleString('en')} params, ${summary.datasetName}, step ${summary.step}`,
      });
      await refresh();
      return `Saved “${modelName}”.`;
    });

  const load = (modelName: string) =>
    guard(async () => {
      const record = await getModel(modelName);
      if (!record) throw new Error(`No saved model is named “${modelName}”.`);
      const copy = record.safetensors.slice(0);
      adoptModel(
        await request({ type: 'import', files: { configJson: record.configJson, safetensors: copy } }, [
          copy,
        ]),
      );
      return `Loaded “${modelName}”.`;
    });

  const importFiles = (list: FileList | null) =>
    guard(async () => {
      const files = [...(list ?? [])];
      const config = files.find((f) => f.name.endsWith('.json'));
      // Browsers may rename a second download "model (1).safetensors"; anything but the optimizer file counts.
      const weights = files.find((f) => f.name.endsWith('.safetensors') && !f.name.startsWith('optimizer'));
      if (!config || !weights) {
        throw new Error(
          `Choose the files of a checkpoint together: config.json and model.safetensors (got ${
            files.map((f) => f.name).join(', ') || 'nothing'
          }).`,
        );
      }
      const safetensors = await weights.arrayBuffer();
      const result = await request(
        { type: 'import', files: { configJson: await config.text(), safetensors } },
        [safetensors],
      );
      adoptModel(result);
      return `Imported ${config.name} + ${weights.name}: ${result.config.type} with ${result.numParams.toLocaleString('en')} parameters.`;
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
                  return 'Exported config.json, model.safetensors and optimizer.safetensors.';
                })
              }
            >
              Export files
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
          Select the <code>config.json</code> and <code>model.safetensors</code> of a CLI checkpoint together,
          from <code>&lt;out&gt;/best/</code> or <code>&lt;out&gt;/last/</code> of{' '}
          <code>makemore train --out &lt;out&gt;</code>. Exported files go the other way: put them in{' '}
          <code>&lt;dir&gt;/last/</code> and run <code>makemore sample --checkpoint &lt;dir&gt;</code>.
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
                          aria-label={`Export ${m.name}`}
                          onClick={() => exportFiles(m)}
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
