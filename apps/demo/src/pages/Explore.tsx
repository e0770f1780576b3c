/**
 * Explore: the bigram count table of names as the lecture draws it, a scatter of the learned character
 * embeddings, a transformer's attention weights per layer and head, and the learning-rate finder's curve.
 */
import { bigramCounts, loadDataset } from '@makemore/datasets';
import { useEffect, useState } from 'preact/hooks';
import { ErrorAlert, NumberField, Panel, TextField } from '../components/fields';
import { HeatTable } from '../components/HeatTable';
import { LineChart } from '../components/LineChart';
import { ScatterChart } from '../components/ScatterChart';
import { dataBaseUrl } from '../lib/data';
import { useObservable } from '../lib/observable';
import { steepestDescentIndex } from '../lib/steepest-descent';
import { modelSummary, requestedLearningRate, trainStatus } from '../state';
import { request } from '../worker/client';
import type { AttentionMaps, EmbeddingPoints, LrCurve } from '../worker/protocol';

interface Bigram {
  labels: string[];
  counts: Int32Array | Float64Array | number[];
}

function BigramHeatMap({ active }: { active: boolean }) {
  const [bigram, setBigram] = useState<Bigram | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!active || bigram) return;
    loadDataset('names', { baseUrl: dataBaseUrl() })
      .then((data) => {
        const table = bigramCounts(data.words ?? []);
        setBigram({ labels: table.tokens, counts: table.counts });
      })
      .catch((e: Error) => setError(e.message));
  }, [active, bigram]);
  return (
    <Panel title="Bigram counts of names">
      <ErrorAlert message={error} />
      {!bigram && !error && <p class="muted">Loading names…</p>}
      {bigram && (
        <HeatTable
          testId="bigram-heatmap"
          caption="Row: first character, column: next character; '.' marks the start and end of a name."
          rows={bigram.labels}
          cols={bigram.labels}
          values={bigram.counts}
          cellText={(i, j, v) => `${bigram.labels[i]}${bigram.labels[j]}\n${v}`}
          cellTitle={(i, j, v) => {
            const n = bigram.labels.length;
            let row = 0;
            for (let k = 0; k < n; k++) row += Number(bigram.counts[i * n + k]);
            const p = row > 0 ? v / row : 0;
            return `'${bigram.labels[j]}' after '${bigram.labels[i]}': ${v} times, probability ${(p * 100).toFixed(1)}%`;
          }}
        />
      )}
    </Panel>
  );
}

function EmbeddingScatter() {
  const summary = useObservable(modelSummary);
  const status = useObservable(trainStatus);
  const [points, setPoints] = useState<EmbeddingPoints | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = async () => {
    setError(null);
    try {
      setPoints(await request({ type: 'embeddings' }));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Panel title="Learned character embeddings">
      <p class="muted">
        Each token's row of the embedding table, in two dimensions (lecture part 2's plot of C).
      </p>
      <div class="buttons">
        <button type="button" onClick={show} disabled={!summary || status === 'running'}>
          Show embeddings
        </button>
      </div>
      <ErrorAlert message={error} />
      {points && (
        <>
          <p class="muted">{points.method}</p>
          <ScatterChart
            labels={points.labels}
            x={points.x}
            y={points.y}
            label={`Scatter of ${points.labels.length} token embeddings`}
            testId="embedding-scatter"
          />
        </>
      )}
    </Panel>
  );
}

function AttentionView() {
  const summary = useObservable(modelSummary);
  const status = useObservable(trainStatus);
  const [text, setText] = useState('emma');
  const [maps, setMaps] = useState<AttentionMaps | null>(null);
  const [error, setError] = useState<string | null>(null);
  const isTransformer = summary?.config.type === 'transformer';
  // The model's alphabet (char tokenizers): characters outside it cannot be encoded.
  const alphabet =
    summary?.tokenizerKind === 'char' ? summary.vocab.filter((c) => [...c].length === 1) : null;
  const unknown = alphabet ? [...new Set([...text].filter((c) => !alphabet.includes(c)))] : [];
  const show = async () => {
    setError(null);
    if (unknown.length > 0) return;
    try {
      setMaps(await request({ type: 'attention', text }));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Panel title="Attention weights">
      {!isTransformer && <p class="muted">Train or load a transformer to see its attention.</p>}
      <form
        aria-label="Attention input"
        onSubmit={(event) => {
          event.preventDefault();
          void show();
        }}
      >
        <TextField
          label="Input text"
          value={text}
          onInput={(value) => {
            setText(value);
            // A result for other text would be stale: clear it.
            setMaps(null);
          }}
        />
        {alphabet && (
          <p class="muted" data-testid="model-alphabet">
            The model knows these characters: <code>{alphabet.join(' ')}</code>
          </p>
        )}
        {unknown.length > 0 && (
          <p class="field-error" role="alert" data-testid="unknown-chars">
            The model has never seen {unknown.map((c) => `"${c}"`).join(', ')}: it was trained only on the
            characters above (names are lowercase, so type "emma", not "Emma").{' '}
            <span aria-hidden="true">
              {[...text].map((c, i) => (
                <mark key={i} class={unknown.includes(c) ? 'unknown' : 'known'}>
                  {c}
                </mark>
              ))}
            </span>
          </p>
        )}
        <div class="buttons">
          <button type="submit" disabled={!isTransformer || status === 'running' || unknown.length > 0}>
            Show attention
          </button>
        </div>
      </form>
      <ErrorAlert message={error} />
      {maps && (
        <div data-testid="attention-maps">
          {maps.weights.map((layer, l) => (
            <div key={l}>
              <h4>Layer {l}</h4>
              <div class="heads">
                {layer.map((w, h) => (
                  <figure key={h}>
                    <HeatTable
                      small
                      caption={`layer ${l}, head ${h}`}
                      rows={maps.tokens}
                      cols={maps.tokens}
                      values={w}
                      cellText={(_, __, v) => (v >= 0.005 ? (v * 100).toFixed(0) : '')}
                      cellTitle={(q, k, v) =>
                        `query ${q} '${maps.tokens[q]}' attends to key ${k} '${maps.tokens[k]}' with weight ${v.toFixed(3)}`
                      }
                    />
                    <figcaption class="muted">rows: query, columns: key</figcaption>
                  </figure>
                ))}
              </div>
            </div>
          ))}
        </div>
      )}
    </Panel>
  );
}

/** A rate as the finder shows it and the form receives it: three significant digits. */
const roundRate = (lr: number) => Number(lr.toPrecision(3));

function LrFinder() {
  const summary = useObservable(modelSummary);
  const status = useObservable(trainStatus);
  const [steps, setSteps] = useState(200);
  const [minLr, setMinLr] = useState(1e-5);
  const [maxLr, setMaxLr] = useState(1);
  const [curve, setCurve] = useState<(LrCurve & { steepest: number; lowest: number }) | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [used, setUsed] = useState<number | null>(null);
  const rangeError =
    minLr > 0 && maxLr > minLr
      ? null
      : 'The range must have 0 < smallest rate < largest rate: raise the largest or lower the smallest.';
  const run = async () => {
    setError(null);
    setUsed(null);
    setBusy(true);
    try {
      const found = await request({ type: 'lrFind', steps, minLr, maxLr });
      const steepest = found.lrs[steepestDescentIndex(found.lrs, found.losses)] ?? minLr;
      setCurve({ ...found, steepest: roundRate(steepest), lowest: found.suggested });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const use = (lr: number) => {
    requestedLearningRate.set(lr);
    setUsed(lr);
  };
  return (
    <Panel title="Learning-rate finder">
      <p class="muted">
        Trains a copy of the current model for a few steps while the learning rate grows exponentially from
        the smallest to the largest rate (lecture part 2), and suggests the rate where the loss falls fastest:
        the steepest point of the curve, marked in red. The lowest loss comes later, just before training
        blows up, so it is too high a rate to train with.
      </p>
      <form
        aria-label="Learning-rate finder settings"
        onSubmit={(event) => {
          event.preventDefault();
          if (!rangeError) void run();
        }}
      >
        <div class="field-row">
          <NumberField label="Sweep steps" value={steps} min={10} max={2000} step={1} onChange={setSteps} />
          <NumberField label="Smallest rate" value={minLr} min={0} step="any" onChange={setMinLr} />
          <NumberField label="Largest rate" value={maxLr} min={0} step="any" onChange={setMaxLr} />
        </div>
        <ErrorAlert message={rangeError} />
        <div class="buttons">
          <button type="submit" disabled={!summary || busy || status === 'running' || rangeError !== null}>
            {busy ? 'Sweeping…' : 'Find learning rate'}
          </button>
        </div>
      </form>
      <ErrorAlert message={error} />
      {curve && (
        <>
          <p data-testid="lr-suggestion" data-lr={curve.steepest}>
            Suggested learning rate (the loss falls fastest): {curve.steepest}. The loss is lowest at{' '}
            {roundRate(curve.lowest)}.
          </p>
          <div class="buttons">
            <button type="button" onClick={() => use(curve.steepest)} disabled={status === 'running'}>
              Use this learning rate
            </button>
          </div>
          {used !== null && (
            <p class="muted" role="status" data-testid="lr-used">
              The Train form's learning rate is now {used}.
            </p>
          )}
          <LineChart
            x={curve.lrs}
            y={curve.losses}
            xLabel="learning rate (log)"
            yLabel="loss"
            logX
            marker={curve.steepest}
            label={`Loss against learning rate; the loss falls fastest at ${curve.steepest}, marked`}
            testId="lr-chart"
          />
        </>
      )}
    </Panel>
  );
}

export function ExplorePage({ active }: { active: boolean }) {
  return (
    <>
      <h2 id="title-explore">Explore</h2>
      <BigramHeatMap active={active} />
      <EmbeddingScatter />
      <AttentionView />
      <LrFinder />
    </>
  );
}
