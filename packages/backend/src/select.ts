/**
 * The selection loop shared by the Node and browser entries: try candidate backends in order, keep a
 * record of every attempt, stop at the first that initialises. A forced choice that fails is an error
 * that says why and how to install it; a fallback is at most one notice.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, INSTALL_HINT, TFJS_NAME } from './names';

/** One attempt to load a backend. */
export interface BackendAttempt {
  /** Our name for the backend. */
  name: BackendName;
  /** True if it loaded and is now the active TensorFlow.js backend. */
  ok: boolean;
  /** Why it was chosen or skipped, in one line. */
  why: string;
}

/** What {@link useBestBackend} did. */
export interface BackendChoice {
  /** The backend now active. */
  backend: BackendName;
  /** One line saying why this backend was chosen. */
  reason: string;
  /** Every backend tried, in order, with the outcome. */
  tried: BackendAttempt[];
  /** Threads the backend computes with: wasm's thread pool size; 0 where not applicable or unknown. */
  threads: number;
  /** What the chosen backend runs on, e.g. `WebGPU on nvidia ampere` or `repaired wasm, SIMD, 2 threads`. */
  detail: string;
}

/** Receives the one notice a fallback produces. */
export type NoticeHandler = (message: string) => void;

/** The options both entries share. */
export interface BaseBackendOptions {
  /** Threads for the wasm backend. Default: 1 in Node, tfjs's default in the browser. */
  threads?: number;
  /** Receives the single notice about a missing or broken backend. Default: `console.warn`. */
  onNotice?: NoticeHandler;
}

/** A way to load one backend. `load` makes it active or throws an error saying why it cannot. */
export interface Candidate {
  name: BackendName;
  /** Registers and activates the backend; resolves to a detail for the record (e.g. "2 threads"). */
  load: () => Promise<{ detail: string; threads: number }>;
}

/** The first line of an error, for one-line records. */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
}

/**
 * True if the TensorFlow.js backend `tfName` has an instance. (`tf.findBackend` would start
 * initialising a registered backend as a side effect, so it is not used for checks.)
 */
export function isInitialised(tfName: string): boolean {
  return tf.engine().registry[tfName] !== undefined;
}

/** Makes `tfName` the active backend or throws. */
export async function activate(tfName: string): Promise<void> {
  if (tf.findBackendFactory(tfName) === null && !isInitialised(tfName)) {
    throw new Error(`no TensorFlow.js backend named '${tfName}' is registered`);
  }
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new Error(`the '${tfName}' backend failed to initialise`);
  await tf.ready();
}

/**
 * Tries `candidates` in order (only `prefer` when it is not `auto`).
 * @param describeFallback builds the one notice from the attempts, or returns undefined for none
 */
export async function choose(
  candidates: readonly Candidate[],
  prefer: BackendName | 'auto',
  onNotice: NoticeHandler,
  describeFallback: (tried: readonly BackendAttempt[]) => string | undefined,
): Promise<BackendChoice> {
  const tried: BackendAttempt[] = [];
  const list = prefer === 'auto' ? candidates : candidates.filter((c) => c.name === prefer);
  for (const candidate of list) {
    try {
      const { detail, threads } = await candidate.load();
      tried.push({ name: candidate.name, ok: true, why: detail });
      const skipped = tried.filter((t) => !t.ok);
      const reason =
        prefer !== 'auto'
          ? `${candidate.name} was requested (${detail})`
          : skipped.length === 0
            ? `${candidate.name} is the fastest backend available (${detail})`
            : `${candidate.name} is the fastest backend that loaded (${detail}); ` +
              skipped.map((t) => `${t.name}: ${t.why}`).join('; ');
      if (prefer === 'auto') {
        const notice = describeFallback(tried);
        if (notice !== undefined) onNotice(notice);
      }
      return { backend: candidate.name, reason, tried, threads, detail };
    } catch (err) {
      tried.push({ name: candidate.name, ok: false, why: firstLine(err) });
    }
  }
  if (prefer !== 'auto') {
    const why = tried[0]?.why ?? 'it is not available here';
    throw new Error(
      `The '${prefer}' backend was requested but cannot be used: ${why}. To use it, ${INSTALL_HINT[prefer]}. ` +
        "Or pass prefer: 'auto' (--backend auto) to use the fastest backend that loads.",
    );
  }
  throw new Error(
    `No TensorFlow.js backend could be loaded: ${tried.map((t) => `${t.name}: ${t.why}`).join('; ')}`,
  );
}

/** The TensorFlow.js name of the active backend for one of ours (tfjs-node and -gpu share one). */
export const tfjsName = (name: BackendName): string => TFJS_NAME[name];

/** Default notice sink. */
export const warnNotice: NoticeHandler = (message) => console.warn(`[makemore] ${message}`);
