/**
 * The page's handle on the training worker. The worker is created on first use, so the first page load
 * fetches none of TensorFlow.js; `request` is a typed RPC and `onEvent` subscribes to training events.
 */
import type { Envelope, Request, Results, WorkerEvent } from './protocol';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();
const listeners = new Set<(event: WorkerEvent) => void>();

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'makemore-engine',
  });
  worker.onmessage = (message: MessageEvent<Envelope>) => {
    const data = message.data;
    if (data.kind === 'event') {
      for (const listener of listeners) listener(data.event);
      return;
    }
    const entry = pending.get(data.id);
    if (!entry) return;
    pending.delete(data.id);
    if (data.ok) entry.resolve(data.result);
    else entry.reject(Object.assign(new Error(data.error), data.field ? { field: data.field } : {}));
  };
  worker.onerror = (event) => {
    const error = new Error(`The training worker failed: ${event.message || 'unknown error'}`);
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
    for (const listener of listeners) listener({ type: 'error', message: error.message });
  };
  return worker;
}

/** Sends a request to the worker and resolves with its typed result. */
export function request<T extends Request>(
  message: T,
  transfer: Transferable[] = [],
): Promise<Results[T['type']]> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    getWorker().postMessage({ id, message }, transfer);
  });
}

/** Subscribes to the worker's events; returns the unsubscribe function. */
export function onEvent(listener: (event: WorkerEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Terminates the worker (a hung step cannot be interrupted any other way) and fails its pending
 * requests; the next request starts a fresh one, which must be initialised again.
 */
export function restartWorker(): void {
  worker?.terminate();
  worker = null;
  const error = new Error('The training worker was restarted.');
  for (const entry of pending.values()) entry.reject(error);
  pending.clear();
}
