import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';
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

/**
 * The page reads the pure half of @makemore/run (recipes, `resolveRunSpec`), whose bundle also imports
 * the models and the trainer for `prepareRun`. Those packages declare side effects (they register
 * TensorFlow.js kernels and gradients), which would pull all of TensorFlow.js into the page's entry,
 * although the page never calls them: training runs in the worker. This plugin, which applies to the
 * page's bundle and not to the worker's, marks them side-effect free there, so that the unused code is
 * dropped; the e2e suite checks that the entry stays small.
 */
function pageWithoutTensorflow(): Plugin {
  const heavy =
    /\/(packages\/(models|trainer|backend)\/dist|node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?@tensorflow)\//;
  return {
    name: 'makemore:page-without-tensorflow',
    apply: 'build',
    transform(code, id) {
      return heavy.test(id) ? { code, map: null, moduleSideEffects: false } : null;
    },
  };
}

export default defineConfig({
  // Relative asset URLs, so dist/ can be hosted under any path on any static host.
  base: './',
  plugins: [preact(), staticAssets({ datasets }), pageWithoutTensorflow()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { headers: isolation },
  preview: { headers: isolation },
});
