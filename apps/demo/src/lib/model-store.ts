/**
 * Saved models in IndexedDB. Each record holds the files of a checkpoint as the trainer's codec writes
 * them (`config.json`, `model.safetensors`, `optimizer.safetensors`, plus the run's `run.json`), so what
 * is saved here exports unchanged and resumes in the CLI. Records of older demos (a `configJson` text and
 * a `safetensors` buffer) are read as the same files.
 */
import type { CheckpointFiles } from '../worker/protocol';
import { type StoreLocation, transact } from './idb';

const DB_NAME = 'makemore';
const STORE = 'models';

export interface SavedModel {
  name: string;
  /** File name → bytes. */
  files: CheckpointFiles;
  savedAt: string;
  /** A one-line description: model type, parameters, dataset. */
  summary: string;
}

const LOCATION: StoreLocation = { database: DB_NAME, store: STORE, keyPath: 'name' };

function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return transact(LOCATION, mode, act);
}

/** Saves (or overwrites) a model under its name. */
export function saveModel(model: SavedModel): Promise<IDBValidKey> {
  return run('readwrite', (s) => s.put(model));
}

/** Every saved model, newest first. */
export async function listModels(): Promise<SavedModel[]> {
  const all = await run('readonly', (s) => s.getAll() as IDBRequest<StoredModel[]>);
  return all.map(upgrade).sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

export async function getModel(name: string): Promise<SavedModel | undefined> {
  const record = await run('readonly', (s) => s.get(name) as IDBRequest<StoredModel | undefined>);
  return record && upgrade(record);
}

/** A record as an older demo may have stored it. */
type StoredModel = SavedModel | (Omit<SavedModel, 'files'> & LegacyFiles);
interface LegacyFiles {
  configJson: string;
  safetensors: ArrayBuffer;
  optimizerSafetensors?: ArrayBuffer;
}

function upgrade(record: StoredModel): SavedModel {
  if ('files' in record) return record;
  const { configJson, safetensors, optimizerSafetensors, ...rest } = record;
  return {
    ...rest,
    files: {
      'config.json': new TextEncoder().encode(configJson),
      'model.safetensors': new Uint8Array(safetensors),
      ...(optimizerSafetensors ? { 'optimizer.safetensors': new Uint8Array(optimizerSafetensors) } : {}),
    },
  };
}

export function deleteModel(name: string): Promise<undefined> {
  return run('readwrite', (s) => s.delete(name));
}
