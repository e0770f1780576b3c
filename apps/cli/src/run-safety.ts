/**
 * The CLI side of "nothing silently wrong" (issue 21): a lock on the run folder, the leftovers of a
 * killed run cleaned, a memory check before anything is allocated, the metrics log cut back on resume,
 * and the library's typed errors worded in terms of the CLI's flags. The logic lives in the libraries
 * (`@makemore/trainer/node`, `@makemore/models`); this file only connects it to `makemore train`.
 */
import { totalmem } from 'node:os';
import type { MemoryLimits } from '@makemore/models';
import type { RunLock } from '@makemore/trainer/node';
import { CliError, oneLine } from './errors';

/** `nEmbd` → `--n-embd`: the CLI flag of a config field (the flags are the fields in kebab case). */
export function flagOf(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Locks `out` for this process and removes the temp folders a killed save left there. Throws a
 * CliError naming the other process when the folder is in use.
 */
export async function lockRunFolder(out: string, notice: (line: string) => void): Promise<RunLock> {
  const { acquireRunLock, Checkpointer, RunLockedError } = await import('@makemore/trainer/node');
  let lock: RunLock;
  try {
    lock = await acquireRunLock(out);
  } catch (error) {
    if (error instanceof RunLockedError) throw new CliError(oneLine(error), { cause: error });
    throw new CliError(`cannot lock the run folder ${out}: ${oneLine(error)}`, { cause: error });
  }
  if (lock.tookOver) {
    notice(
      `makemore: note: took over the lock of process ${lock.tookOver.pid}, which no longer runs (started ${lock.tookOver.startedAt})`,
    );
  }
  try {
    const removed = await new Checkpointer(out).cleanStale();
    if (removed.length > 0)
      notice(`makemore: note: removed ${removed.join(', ')} left in ${out} by an interrupted save`);
  } catch (error) {
    lock.release();
    throw new CliError(`cannot clean the run folder ${out}: ${oneLine(error)}`, { cause: error });
  }
  return lock;
}

/**
 * The memory a run may use: the wasm heap on the wasm backend (when smaller than the machine), else this
 * machine's memory. `prepareRun` checks its estimate against it before it allocates anything.
 */
export async function memoryLimits(backend: string): Promise<MemoryLimits> {
  const { WASM_USABLE_BYTES } = await import('@makemore/models');
  const machine = totalmem();
  return backend === 'wasm' && WASM_USABLE_BYTES < machine
    ? { totalBytes: WASM_USABLE_BYTES, totalLabel: "what the wasm backend's 4 GiB heap can hold" }
    : { totalBytes: machine, totalLabel: "this machine's memory" };
}

/** A MemoryLimitError worded with the CLI's flags, or undefined for any other error. */
export async function runFitsError(error: unknown): Promise<CliError | undefined> {
  const { MemoryLimitError } = await import('@makemore/models');
  if (!(error instanceof MemoryLimitError)) return undefined;
  const flags = error.estimate.knobs.map(flagOf).join(', ');
  return new CliError(error.message.replace(/; lower .*$/, `; lower ${flags}`), { cause: error });
}

/** Cuts `metrics.jsonl` back to the resumed step, so no step is logged twice. */
export async function truncateMetricsForResume(
  path: string,
  step: number,
  notice: (line: string) => void,
): Promise<void> {
  const { truncateMetrics } = await import('@makemore/trainer/node');
  try {
    const { removed, broken } = await truncateMetrics(path, step);
    if (removed + broken > 0) {
      notice(
        `makemore: note: removed ${removed} metrics line(s) past step ${step}${broken > 0 ? ` and ${broken} cut-short line(s)` : ''} from ${path}`,
      );
    }
  } catch (error) {
    throw new CliError(oneLine(error), { cause: error });
  }
}

/** A training failure as the one line the CLI prints, in terms of its flags. */
export async function trainFailure(error: unknown): Promise<CliError> {
  if (error instanceof CliError) return error;
  const { NonFiniteLossError } = await import('@makemore/trainer');
  // By name too: a CommonJS and an ESM copy of the trainer hold different classes.
  if (error instanceof NonFiniteLossError || (error as Error | null)?.name === 'NonFiniteLossError') {
    const e = error as InstanceType<typeof NonFiniteLossError>;
    const kept =
      e.lastCheckpointStep === null
        ? 'no checkpoint had been saved yet'
        : `the checkpoint of step ${e.lastCheckpointStep} was kept`;
    const clip =
      e.gradClip === undefined
        ? 'gradient clipping (--grad-clip 1)'
        : `a lower --grad-clip than ${e.gradClip}`;
    return new CliError(
      `${e.where} loss is ${e.loss} at step ${e.step}; training stopped and ${kept}. Try a lower --lr or ${clip}`,
      { cause: error },
    );
  }
  // The engine's own words for running out of memory mean nothing to a user: name the flags instead.
  if (ENGINE_OUT_OF_MEMORY.test(oneLine(error))) {
    return new CliError(
      'the tensor engine ran out of memory during training; lower --batch-size, --block-size or --n-embd (DEBUG=1 shows the engine message)',
      { cause: error },
    );
  }
  return new CliError(oneLine(error), { cause: error });
}

/** Messages of wasm aborts and failed typed-array allocations, from Emscripten, V8 and TensorFlow.js. */
const ENGINE_OUT_OF_MEMORY =
  /Aborted\(|memory access out of bounds|Invalid typed array length|Array buffer allocation failed|Cannot enlarge memory|out of memory/i;
