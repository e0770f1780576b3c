/**
 * One IndexedDB object store, opened per call: the demo keeps two (saved models and the autosaved run), and
 * both only ever put, get, list and delete whole records. Opening per call and closing after keeps no
 * connection that would block another tab's upgrade.
 */

/** Where a store lives: its database, its name, and the record field that keys it (none: explicit keys). */
export interface StoreLocation {
  database: string;
  store: string;
  keyPath?: string;
}

function open({ database, store, keyPath }: StoreLocation): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(database, 1);
    req.onupgradeneeded = () =>
      req.result.createObjectStore(store, keyPath === undefined ? undefined : { keyPath });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () =>
      reject(new Error(`Could not open IndexedDB: ${req.error?.message ?? 'unknown error'}`));
  });
}

/** Runs one request in its own transaction and resolves with its result once the transaction commits. */
export async function transact<T>(
  location: StoreLocation,
  mode: IDBTransactionMode,
  act: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open(location);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(location.store, mode);
      const req = act(tx.objectStore(location.store));
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
