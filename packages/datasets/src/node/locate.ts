/**
 * Where a built-in dataset lives on disk, looked up in order: an explicit `dataDir`, the
 * `MAKEMORE_DATA_DIR` folder, then the user cache (`$XDG_CACHE_HOME/makemore` or `~/.cache/makemore`).
 * Every location uses the same layout: names.txt, verbs.txt, shakespeare.txt, state_of_the_union/*.txt.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { datasetInfo } from '../registry.js';

/** Options that choose the folders searched. */
export interface LocateOptions {
  /** An explicit data folder; when given, only it and nothing after it is searched. */
  dataDir?: string;
  /** The cache folder. Default {@link defaultCacheDir}. */
  cacheDir?: string;
  /** Environment to read MAKEMORE_DATA_DIR / XDG_CACHE_HOME from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Where a dataset was found. */
export interface DatasetLocation {
  /** The data folder holding the dataset's files. */
  dir: string;
  /** Which rule found it. */
  source: 'dataDir' | 'MAKEMORE_DATA_DIR' | 'cache';
  /** The dataset's file (names.txt, ...) or, for sotu, its folder. */
  path: string;
}

/** `$XDG_CACHE_HOME/makemore`, or `~/.cache/makemore` when XDG_CACHE_HOME is unset or empty. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg ? join(resolve(xdg), 'makemore') : join(homedir(), '.cache', 'makemore');
}

/** The path a user would point at: the single file, or the folder of a documents dataset. */
export function datasetPathIn(dir: string, name: string): string {
  const info = datasetInfo(name);
  const first = info.files[0]?.path ?? '';
  return info.kind === 'documents' ? join(dir, first.split('/')[0] as string) : join(dir, first);
}

/** True when `dir` holds every file of the dataset (sizes are not checked here; loading checks hashes). */
export function hasAllFiles(dir: string, name: string): boolean {
  return datasetInfo(name).files.every((f) => {
    const p = join(dir, f.path);
    return existsSync(p) && statSync(p).isFile();
  });
}

/** The folders searched for a dataset, in order. */
export function searchDirs(options: LocateOptions = {}): Array<Omit<DatasetLocation, 'path'>> {
  const env = options.env ?? process.env;
  if (options.dataDir) return [{ dir: resolve(options.dataDir), source: 'dataDir' }];
  const dirs: Array<Omit<DatasetLocation, 'path'>> = [];
  if (env.MAKEMORE_DATA_DIR) dirs.push({ dir: resolve(env.MAKEMORE_DATA_DIR), source: 'MAKEMORE_DATA_DIR' });
  dirs.push({ dir: options.cacheDir ? resolve(options.cacheDir) : defaultCacheDir(env), source: 'cache' });
  return dirs;
}

/** The first location that holds all of the dataset's files, or null. Throws for an unknown name. */
export function locateDataset(name: string, options: LocateOptions = {}): DatasetLocation | null {
  datasetInfo(name);
  for (const d of searchDirs(options)) {
    if (hasAllFiles(d.dir, name)) return { ...d, path: datasetPathIn(d.dir, name) };
  }
  return null;
}

/** The path of a dataset's file (or sotu's folder) where it is found, or null when it is not on disk. */
export function datasetPath(name: string, options: LocateOptions = {}): string | null {
  return locateDataset(name, options)?.path ?? null;
}
