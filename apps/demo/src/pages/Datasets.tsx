/**
 * Datasets: the built-in datasets served next to the site, each checked against its pinned sha256 with
 * Web Crypto when the page opens. A dataset the build did not find is shown as missing.
 */
import { listDatasets, loadDataset } from '@makemore/datasets';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Panel } from '../components/fields';
import { dataBaseUrl, loadManifest } from '../lib/data';

type Check =
  | { state: 'checking' }
  | { state: 'ok'; seconds: number; detail: string }
  | { state: 'missing'; path: string }
  | { state: 'failed'; message: string };

function describe(data: Awaited<ReturnType<typeof loadDataset>>): string {
  if (data.documents)
    return `${data.documents.length} documents, ${data.text.length.toLocaleString('en')} characters`;
  if (data.words) return `${data.words.length.toLocaleString('en')} lines`;
  return `${data.text.length.toLocaleString('en')} characters`;
}

export function DatasetsPage({ active }: { active: boolean }) {
  const infos = useMemo(() => listDatasets(), []);
  const [checks, setChecks] = useState<Record<string, Check>>({});
  const [started, setStarted] = useState(false);

  useEffect(() => {
    if (!active || started) return;
    setStarted(true);
    void (async () => {
      const manifest = await loadManifest();
      const set = (name: string, check: Check) => setChecks((c) => ({ ...c, [name]: check }));
      // Missing ones are known at once; the present ones are then fetched and verified one by one.
      const present = infos.filter((info) => manifest.present[info.name]);
      for (const info of infos) {
        if (!manifest.present[info.name]) {
          set(info.name, {
            state: 'missing',
            path: manifest.missing[info.name] ?? info.files[0]?.path ?? info.name,
          });
        }
      }
      for (const info of present) {
        set(info.name, { state: 'checking' });
        const t0 = performance.now();
        try {
          const data = await loadDataset(info.name, { baseUrl: dataBaseUrl() });
          set(info.name, { state: 'ok', seconds: (performance.now() - t0) / 1000, detail: describe(data) });
        } catch (e) {
          set(info.name, { state: 'failed', message: (e as Error).message });
        }
      }
    })();
  }, [active, started, infos]);

  return (
    <>
      <h2 id="title-datasets">Datasets</h2>
      <Panel title="Built-in datasets">
        <div class="scroll">
          <table class="list" data-testid="datasets-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">What</th>
                <th scope="col">Size</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {infos.map((info) => {
                const check = checks[info.name];
                return (
                  <tr key={info.name} data-dataset={info.name} data-status={check?.state ?? 'pending'}>
                    <td>
                      <strong>{info.name}</strong>
                      <div class="muted">{info.kind}</div>
                    </td>
                    <td>
                      {info.description}
                      <div class="muted">
                        {info.licence}.{' '}
                        <a href={info.source.split(' ')[0]} rel="noreferrer">
                          source
                        </a>
                      </div>
                    </td>
                    <td>
                      {(info.bytes / 1024).toLocaleString('en', { maximumFractionDigits: 0 })} KiB
                      <div class="muted">
                        {info.files.length} file{info.files.length === 1 ? '' : 's'}
                      </div>
                    </td>
                    <td aria-live="polite">
                      {!check && <span class="muted">waiting</span>}
                      {check?.state === 'checking' && <span class="muted">verifying sha256…</span>}
                      {check?.state === 'ok' && (
                        <span class="status-ok">
                          ✓ sha256 verified
                          <div class="muted">
                            {check.detail}, {check.seconds.toFixed(2)} s
                          </div>
                        </span>
                      )}
                      {check?.state === 'missing' && (
                        <span class="status-missing">
                          missing
                          <div class="muted">
                            {check.path} was not found when the site was built. Set MAKEMORE_DATA_DIR and
                            rebuild.
                          </div>
                        </span>
                      )}
                      {check?.state === 'failed' && (
                        <span class="status-bad">
                          failed
                          <div class="muted">{check.message}</div>
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <p class="muted">
          The files are served next to this site and checked against the sha256 sums pinned in
          @makemore/datasets.
        </p>
      </Panel>
    </>
  );
}
