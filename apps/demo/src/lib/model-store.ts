/**
 * Saved models in IndexedDB. Each record holds the same two files as a CLI checkpoint, `config.json`
 * (as text) and `model.safetensors` (as bytes), so what is saved here can be exported unchanged.
 */
import type { CheckpointFiles } from '../worker/protocol';

const DB_NAME = 'makemore';
const STORE = 'models';

export interface SavedModel extends CheckpointFiles {
  name: string;
  savedAt: string;
  /** A one-line description: model type, parameters, dataset. */
  summary: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'name' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () =>
      reject(new Error(`Could not open IndexedDB: ${req.error?.message ?? 'unknown error'}`));
  });
}

async function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () =>
        reject(new Error(`IndexedDB ${mode} failed: ${tx.error?.message ?? 'unknown error'}`));
      tx.onabort = () =>
        reject(new Error(`IndexedDB ${mode} aborted: ${tx.error?.message ?? 'unknown error'}`));
    });
  } finally {
    db.close();
  }
}

/** Saves (or overwrites) a model under its name. */
export function saveModel(model: SavedModel): Promise<IDBValidKey> {
  return run('readwrite', (s) => s.put(model));
}

/** Every saved model, newest first. */
export async function listModels(): Promise<SavedModel[]> {
  const all = await run('readonly', (s) => s.getAll() as IDBRequest<SavedModel[]>);
  return all.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

export function getModel(name: string): Promise<SavedModel | undefined> {
  return run('readonly', (s) => s.get(name) as IDBRequest<SavedModel | undefined>);
}

export function deleteModel(name: string): Promise<undefined> {
  return run('readwrite', (s) => s.delete(name));
}
