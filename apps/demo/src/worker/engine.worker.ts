/**
 * The training worker's entry. It stays tiny: the engine (TensorFlow.js, the models, the trainer) is
 * imported on the first request, so nothing heavy loads before the page asks for it.
 *
 * Requests run one at a time, in the order they arrive, so that nothing touches tensors before `init`
 * has chosen and initialised a backend. (`start` returns as soon as the run begins; `pause` stops it.)
 */
import type { Envelope, Request } from './protocol';

type Engine = typeof import('./engine');
let engine: Promise<Engine> | null = null;
let queue: Promise<void> = Promise.resolve();

const post = (envelope: Envelope, transfer: Transferable[] = []) => postMessage(envelope, { transfer });

async function run(id: number, message: Request): Promise<void> {
  try {
    engine ??= import('./engine');
    const e = await engine;
    const { result, transfer } = await e.handle(message, (ev) => post({ kind: 'event', event: ev }));
    post({ kind: 'reply', id, ok: true, result }, transfer);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // A RunSpecError names the spec field at fault; the page shows the message next to that field.
    const field = (error as { field?: unknown } | null)?.field;
    post({ kind: 'reply', id, ok: false, error: text, ...(typeof field === 'string' ? { field } : {}) });
  }
}

self.addEventListener('message', (event: MessageEvent<{ id: number; message: Request }>) => {
  const { id, message } = event.data;
  queue = queue.then(() => run(id, message));
});
