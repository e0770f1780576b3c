import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { type DatasetFiles, staticAssets } from './vite/static-assets';

// Cross-origin isolation lets the wasm backend use threads (SharedArrayBuffer) in the browser.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The relative paths of every built-in dataset's files, as @makemore/datasets names them. */
async function datasetFiles(): Promise<DatasetFiles> {
  const { listDatasets } = await import('@makemore/datasets');
  return Object.fromEntries(listDatasets().map((info) => [info.name, info.files.map((file) => file.path)]));
}

export default defineConfig({
  // Relative asset URLs, so dist/ can be hosted under any path on any static host.
  base: './',
  plugins: [preact(), staticAssets({ datasetFiles })],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { headers: isolation },
  preview: { headers: isolation },
});
