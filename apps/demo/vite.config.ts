import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { type DataDirFor, type DatasetFiles, staticAssets } from './vite/static-assets';

// Cross-origin isolation lets the wasm backend use threads (SharedArrayBuffer) in the browser.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Every built-in dataset's files (relative paths) and the folder each is found in, both as
 * @makemore/datasets defines them: MAKEMORE_DATA_DIR first, then the user cache that
 * `makemore datasets download` fills.
 */
async function datasets(): Promise<{ files: DatasetFiles; dataDirFor: DataDirFor }> {
  const { listDatasets, locateDataset } = await import('@makemore/datasets/node');
  return {
    files: Object.fromEntries(listDatasets().map((info) => [info.name, info.files.map((file) => file.path)])),
    dataDirFor: (name) => locateDataset(name)?.dir ?? null,
  };
}

export default defineConfig({
  // Relative asset URLs, so dist/ can be hosted under any path on any static host.
  base: './',
  plugins: [preact(), staticAssets({ datasets })],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { headers: isolation },
  preview: { headers: isolation },
});
