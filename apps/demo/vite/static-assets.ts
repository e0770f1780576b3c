/**
 * Build-time copies for the demo: the dataset files from `MAKEMORE_DATA_DIR` and the TensorFlow.js wasm
 * binaries. Both land in `public/`, so the dev server serves them and `vite build` copies them into `dist/`.
 *
 * A dataset that is not on disk is written into `public/data/manifest.json` as missing; the build never
 * fails for it, and the Datasets page shows it as missing.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Plugin } from 'vite';

/** The files each built-in dataset is served from, relative to the data directory. */
export type DatasetFiles = Record<string, string[]>;

/** What the page reads from `data/manifest.json`. */
export interface DataManifest {
  /** Relative file paths per dataset that were copied. */
  present: DatasetFiles;
  /** Dataset names whose files were not found, with the first missing path. */
  missing: Record<string, string>;
  /** The folder each present dataset was copied from. */
  sources: Record<string, string>;
}

/** Finds the folder holding a dataset's files, or null when it is not on disk. */
export type DataDirFor = (name: string) => string | null;

function copyIfChanged(from: string, to: string): void {
  if (
    existsSync(to) &&
    statSync(to).size === statSync(from).size &&
    statSync(to).mtimeMs >= statSync(from).mtimeMs
  ) {
    return;
  }
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

/**
 * Copies each dataset's files into `<publicDir>/data` and writes the manifest. `dataDir` is one folder for
 * every dataset, or a function that finds each one. Never throws for missing data.
 */
export function copyDatasets(
  publicDir: string,
  dataDir: string | DataDirFor | undefined,
  files: DatasetFiles,
): DataManifest {
  const outDir = join(publicDir, 'data');
  mkdirSync(outDir, { recursive: true });
  const manifest: DataManifest = { present: {}, missing: {}, sources: {} };
  for (const [name, paths] of Object.entries(files)) {
    const dir = typeof dataDir === 'function' ? dataDir(name) : (dataDir ?? null);
    const absent = dir ? paths.find((p) => !existsSync(join(dir, p))) : paths[0];
    if (!dir || absent !== undefined) {
      manifest.missing[name] = absent ?? paths[0] ?? name;
      continue;
    }
    for (const p of paths) copyIfChanged(join(dir, p), join(outDir, p));
    manifest.present[name] = paths;
    manifest.sources[name] = dir;
  }
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Copies `tfjs-backend-wasm`'s three `.wasm` binaries into `<publicDir>/tfjs/`. */
export function copyWasmBinaries(publicDir: string, root: string): string[] {
  // The wasm backend is a dependency of @makemore/backend; resolve it from there.
  const fromDemo = createRequire(join(root, 'package.json'));
  const backendDir = dirname(fromDemo.resolve('@makemore/backend/package.json'));
  const fromBackend = createRequire(join(backendDir, 'package.json'));
  const wasmDir = join(dirname(fromBackend.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  const outDir = join(publicDir, 'tfjs');
  mkdirSync(outDir, { recursive: true });
  const names = readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'));
  for (const f of names) copyIfChanged(join(wasmDir, f), join(outDir, f));
  return names;
}

/**
 * The Vite plugin that runs both copies when the config resolves (dev, build and preview). `datasets`
 * gives each dataset's files and where it is on disk (MAKEMORE_DATA_DIR, then the user cache).
 */
export function staticAssets(options: {
  datasets: () => Promise<{ files: DatasetFiles; dataDirFor: DataDirFor }>;
}): Plugin {
  return {
    name: 'makemore-static-assets',
    async configResolved(config) {
      const publicDir = config.publicDir || resolve(config.root, 'public');
      const { files, dataDirFor } = await options.datasets();
      const manifest = copyDatasets(publicDir, dataDirFor, files);
      const missing = Object.keys(manifest.missing);
      if (missing.length > 0) {
        config.logger.warn(
          `[makemore] datasets not found in MAKEMORE_DATA_DIR (${process.env.MAKEMORE_DATA_DIR ?? 'unset'}) or the user cache: ` +
            `${missing.join(', ')}; the site shows them as missing. Run \`makemore datasets download\` or set MAKEMORE_DATA_DIR.`,
        );
      }
      copyWasmBinaries(publicDir, config.root);
    },
  };
}
