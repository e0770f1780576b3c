/**
 * Sample: draw from the current model with a temperature, top-k, seed and prompt. For word datasets each
 * sample is marked as one of the training words or as new.
 */
import { useState } from 'preact/hooks';
import { ErrorAlert, NumberField, Panel, TextField } from '../components/fields';
import { SampleList } from '../components/SampleList';
import { useObservable } from '../lib/observable';
import { modelSummary, trainStatus } from '../state';
import { onEvent, request } from '../worker/client';
import type { Sample } from '../worker/protocol';

export function SamplePage(_: { active: boolean }) {
  const summary = useObservable(modelSummary);
  const status = useObservable(trainStatus);
  const [temperature, setTemperature] = useState(1);
  const [topK, setTopK] = useState(0);
  const [seed, setSeed] = useState(1337);
  const [count, setCount] = useState(20);
  const [maxTokens, setMaxTokens] = useState(200);
  const [prompt, setPrompt] = useState('');
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [runs, setRuns] = useState(0);
  /** Text updates streamed in the latest round (one per token that added text): the e2e tests read it. */
  const [pieces, setPieces] = useState(0);

  async function run() {
    setBusy(true);
    setError(null);
    setSamples([]);
    setPieces(0);
    // The worker streams each sample token by token; the list is redrawn at most once per frame.
    const growing: Sample[] = [];
    let updates = 0;
    let frame = 0;
    const redraw = () => {
      frame = 0;
      setSamples([...growing]);
      setPieces(updates);
    };
    const stop = onEvent((event) => {
      if (event.type !== 'sampling') return;
      growing[event.index] = { text: event.text, inTrain: event.done ? event.inTrain : null };
      if (!event.done) updates++;
      if (!frame) frame = requestAnimationFrame(redraw);
    });
    try {
      const result = await request({
        type: 'sample',
        options: { count, temperature, topK: topK > 0 ? topK : null, seed, prompt, maxTokens },
      });
      if (frame) cancelAnimationFrame(frame);
      setSamples(result);
      setPieces(updates);
      setRuns((n) => n + 1);
    } catch (e) {
      if (frame) cancelAnimationFrame(frame);
      setError((e as Error).message);
    } finally {
      stop();
      setBusy(false);
    }
  }

  const newCount = samples.filter((s) => s.inTrain === false).length;
  return (
    <>
      <h2 id="title-sample">Sample from the model</h2>
      {!summary && <p class="muted">Train a model or load a saved one first.</p>}
      <div class="grid2">
        <form
          class="panel"
          aria-label="Sampling settings"
          onSubmit={(event) => {
            event.preventDefault();
            void run();
          }}
        >
          <div class="field-row">
            {/* Any value may be typed; the slider covers the useful range, 0 (greedy) to 2. */}
            <NumberField
              label="Temperature"
              value={temperature}
              min={0}
              step="any"
              onChange={setTemperature}
            />
            <div class="field">
              <label for="temperature-slider">Temperature slider</label>
              <input
                id="temperature-slider"
                type="range"
                min={0}
                max={2}
                step={0.01}
                value={Math.min(2, temperature)}
                onInput={(event) => setTemperature((event.currentTarget as HTMLInputElement).valueAsNumber)}
              />
            </div>
            <NumberField label="Top-k (0 = off)" value={topK} min={0} step={1} onChange={setTopK} />
            <NumberField label="Seed" value={seed} step={1} onChange={setSeed} />
            <NumberField label="How many" value={count} min={1} max={200} step={1} onChange={setCount} />
            <NumberField
              label="Max tokens"
              value={maxTokens}
              min={1}
              max={2000}
              step={1}
              onChange={setMaxTokens}
            />
          </div>
          <TextField
            label="Prompt"
            value={prompt}
            onInput={setPrompt}
            placeholder={summary?.isWords ? 'e.g. ka (every sample starts with it)' : 'e.g. ROMEO:'}
          />
          <div class="buttons">
            <button type="submit" disabled={!summary || busy || status === 'running'}>
              {busy ? 'Sampling…' : 'Sample'}
            </button>
          </div>
          {status === 'running' && <p class="muted">Pause training to sample here.</p>}
          <ErrorAlert message={error} />
        </form>
        <Panel title="Samples">
          <p class="muted" data-testid="sample-streamed" data-pieces={pieces} aria-live="off">
            {busy
              ? `Generating… ${pieces} pieces of text so far`
              : pieces > 0
                ? `Streamed as ${pieces} pieces of text.`
                : ''}
          </p>
          {summary?.isWords && samples.length > 0 && (
            <p class="muted" data-testid="new-count">
              {newCount} of {samples.length} samples are new (not in the training split).
            </p>
          )}
          <SampleList samples={samples} words={summary?.isWords ?? true} testId="sample-results" run={runs} />
        </Panel>
      </div>
    </>
  );
}
