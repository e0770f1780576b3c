/**
 * `--threads auto|<n>` for the commands that run a spec (train, lr-find, sweep). The rule itself is
 * @makemore/run's `chooseThreads` (libraries decide, the CLI adapts): this file only gives it the flag, this
 * machine's core count, and words for the start line.
 */
import { availableParallelism } from 'node:os';
import type { RunSpec, ThreadsChoice } from '@makemore/run';
import type { FlagSpec } from './args';

/**
 * The help of `--threads` where it sets the spec's `backend.threads`. The figures are `chooseThreads`'
 * threshold and what bench/threads-auto.mts measured (BENCHMARKS.md); a unit test keeps them in step.
 */
export const RUN_THREADS_FLAG: FlagSpec = {
  name: 'threads',
  type: 'string',
  choices: ['auto'],
  open: true,
  default: 'auto',
  placeholder: 'auto|<n>',
  description:
    'wasm threads. auto: every core (at most 8) when a step has at least 1.5 G multiply-adds (estimated from ' +
    'the model, batch and block size), else 1. On 2 cores a second thread made such steps 1.07-1.85x faster in ' +
    "7 of 10 runs and smaller ones (makemore's transformer on names, the MLP) slower in 20 of 24, because " +
    "tfjs's threaded wasm build costs more on every small kernel. A number forces that many",
};

/** `--threads` as the spec field: `auto` stays, digits become a number, anything else the spec check refuses. */
export function threadsField(value: string | number | boolean): unknown {
  const text = String(value).trim();
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** The thread count for `spec` on this machine, and why. */
export async function threadsForSpec(spec: RunSpec): Promise<ThreadsChoice> {
  const { chooseThreads } = await import('@makemore/run');
  return chooseThreads(spec, availableParallelism());
}

/** `, 2 threads (auto: …)` for a start line; nothing when the backend is not wasm (threads do not apply). */
export function threadsText(backend: string, choice: ThreadsChoice): string {
  if (backend !== 'wasm') return '';
  return choice.source === 'auto'
    ? `, ${choice.threads} thread${choice.threads === 1 ? '' : 's'} (auto: ${choice.reason.replace(/^\d+ threads?: /, '')})`
    : `, ${choice.reason}`;
}
