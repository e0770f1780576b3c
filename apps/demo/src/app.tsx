/**
 * The site's shell: a header that shows the chosen backend, a page navigation driven by the URL hash
 * (so every page has a link and the back button works), and the current page.
 */
import { useEffect, useState } from 'preact/hooks';
import { useObservable } from './lib/observable';
import { DatasetsPage } from './pages/Datasets';
import { ExplorePage } from './pages/Explore';
import { ModelsPage } from './pages/Models';
import { SamplePage } from './pages/Sample';
import { TokenizerPage } from './pages/Tokenizer';
import { TrainPage } from './pages/Train';
import { reloadCarryingRun, startPersistence } from './persistence';
import { backendError, backendInfo, modelSummary, progress, startEngine, trainStatus } from './state';

const PAGES = [
  { id: 'train', title: 'Train', Page: TrainPage },
  { id: 'sample', title: 'Sample', Page: SamplePage },
  { id: 'tokenizer', title: 'Tokenizer', Page: TokenizerPage },
  { id: 'explore', title: 'Explore', Page: ExplorePage },
  { id: 'models', title: 'Models', Page: ModelsPage },
  { id: 'datasets', title: 'Datasets', Page: DatasetsPage },
] as const;

type PageId = (typeof PAGES)[number]['id'];

function pageFromHash(): PageId {
  const id = location.hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.id === id)?.id ?? 'train';
}

const BACKENDS = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;

/**
 * Forces a backend by reloading with `?backend=`; the worker's backend cannot change once tensors exist.
 * With a run in hand it asks first, then saves the run and restores it after the reload.
 */
function BackendPicker() {
  const current = new URLSearchParams(location.search).get('backend') ?? 'auto';
  return (
    <label class="backend-picker">
      <span class="visually-hidden">Backend</span>
      <select
        aria-label="Backend"
        value={current}
        onChange={(event) => {
          const select = event.currentTarget as HTMLSelectElement;
          const value = select.value;
          const url = new URL(location.href);
          if (value === 'auto') url.searchParams.delete('backend');
          else url.searchParams.set('backend', value);
          // A link's autostart would start a new run over the carried one.
          url.searchParams.delete('autostart');
          const summary = modelSummary.get();
          if (!summary?.spec || progress.get().step === 0) {
            location.assign(url.href);
            return;
          }
          const ok = confirm(
            `Switching to the ${value} backend reloads the page. Your run (step ${progress.get().step}) is saved first and restored after the reload. Switch?`,
          );
          if (!ok) {
            select.value = current;
            return;
          }
          void reloadCarryingRun(url.href);
        }}
      >
        {BACKENDS.map((b) => (
          <option key={b} value={b}>
            {b === 'auto' ? 'auto (fastest)' : b}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Why automatic selection passed over WebGPU (from the choice's reason), e.g. `it runs in software here`. */
function webgpuSkipped(reason: string): string | undefined {
  const why = /webgpu: ([^;]*)/.exec(reason)?.[1];
  if (why === undefined) return undefined;
  if (/software/.test(why)) return 'software adapter, wasm is faster';
  return /missing|no adapter/.test(why) ? 'not available' : why;
}

function BackendBadge() {
  const info = useObservable(backendInfo);
  const error = useObservable(backendError);
  if (error)
    return (
      <span class="badge badge-error" role="alert">
        backend failed: {error}
      </span>
    );
  if (!info) return <span class="badge">loading backend…</span>;
  return (
    <span class="badge" data-testid="backend" title={info.reason}>
      backend: <strong>{info.backend}</strong>
      {info.backend === 'wasm' ? ` · ${info.threads} thread${info.threads === 1 ? '' : 's'}` : ''}
      {info.backend === 'webgpu' ? (
        <span data-testid="adapter"> · {info.detail.replace(/^WebGPU on /, '')}</span>
      ) : (
        ''
      )}
      {info.crossOriginIsolated ? ' · isolated' : ''}
      {webgpuSkipped(info.reason) ? (
        <span data-testid="backend-fallback"> · no WebGPU: {webgpuSkipped(info.reason)}</span>
      ) : (
        ''
      )}
    </span>
  );
}

function ModelBadge() {
  const summary = useObservable(modelSummary);
  const status = useObservable(trainStatus);
  if (!summary) return <span class="badge">no model yet</span>;
  return (
    <span class="badge" data-testid="model-badge">
      {summary.config.type} · {summary.numParams.toLocaleString('en')} params · {summary.datasetName} ·{' '}
      {status}
    </span>
  );
}

export function App() {
  const [page, setPage] = useState<PageId>(pageFromHash());
  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    window.addEventListener('hashchange', onHash);
    // Let the first paint happen before the worker starts fetching TensorFlow.js.
    const idle = setTimeout(() => startPersistence(startEngine()), 0);
    return () => {
      window.removeEventListener('hashchange', onHash);
      clearTimeout(idle);
    };
  }, []);
  useEffect(() => {
    const title = PAGES.find((p) => p.id === page)?.title ?? '';
    document.title = `${title} · makemore.ts`;
  }, [page]);

  return (
    <>
      {/* The hash is the router, so the skip link is a button that moves focus to the content. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <h1>
          makemore<span class="ts">.ts</span>
        </h1>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="badges">
          <BackendPicker />
          <BackendBadge />
          <ModelBadge />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {PAGES.map(({ id, Page }) => (
          // Pages stay mounted (hidden) so their forms and charts keep their state across navigation.
          <section key={id} id={`page-${id}`} hidden={id !== page} aria-labelledby={`title-${id}`}>
            <Page active={id === page} />
          </section>
        ))}
      </main>
    </>
  );
}
