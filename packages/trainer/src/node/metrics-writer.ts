/**
 * A JSONL metrics log: one JSON object per line for each step (step, loss, lr, gradNorm, tokensPerSec,
 * elapsedMs) and each evaluation (losses per split). Lines are appended, so a resumed run continues the file;
 * {@link truncateMetrics} first cuts it back to the checkpoint's step, so no step is logged twice.
 *
 * A write can fail long after `write()` returned (a full disk, `ulimit -f`, a folder made read-only): a
 * WriteStream reports that as an 'error' event, which would crash the process if nobody listened. Here the
 * first failure is kept as a {@link MetricsWriteError} naming the file (`failure`), later writes are
 * dropped, and `close()` rejects with it, so the caller decides how to stop.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EvalEvent, StepEvent } from '../events';
import { type MetricRecord, metricRecord } from '../metrics';
import type { TrainingRun } from '../train';

/** Options for {@link MetricsWriter}. */
export interface MetricsWriterOptions {
  /** Write every this many step events (default 1); evaluations are always written. */
  every?: number;
}

/** A metrics log could not be written; the message names the file and the system's reason. */
export class MetricsWriteError extends Error {
  constructor(
    /** The log file. */
    readonly path: string,
    /** The system error code, e.g. EFBIG, ENOSPC, EACCES, EROFS (undefined when there was none). */
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`cannot write the metrics log ${path}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'MetricsWriteError';
  }
}

/** Appends metric records to a `.jsonl` file. */
export class MetricsWriter {
  private readonly stream: WriteStream;
  private readonly every: number;
  /** The first write failure, or null while every write succeeded. */
  failure: MetricsWriteError | null = null;

  /** Throws a {@link MetricsWriteError} when the log's folder cannot be created. */
  constructor(
    readonly path: string,
    options: MetricsWriterOptions = {},
  ) {
    this.every = options.every ?? 1;
    if (!Number.isInteger(this.every) || this.every < 1) {
      throw new RangeError(`MetricsWriter: every must be an integer >= 1, got ${options.every}`);
    }
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new MetricsWriteError(path, (error as NodeJS.ErrnoException).code, error);
    }
    this.stream = createWriteStream(path, { flags: 'a' });
    this.stream.on('error', (error: NodeJS.ErrnoException) => {
      this.failure ??= new MetricsWriteError(path, error.code, error);
    });
  }

  /** Appends one record (or the record of a step/eval event); does nothing once a write has failed. */
  write(record: MetricRecord | StepEvent | EvalEvent): void {
    if (this.failure || this.stream.destroyed) return;
    // metricRecord keeps only the logged fields of an event; on a MetricRecord it is the identity.
    this.stream.write(`${JSON.stringify(metricRecord(record as StepEvent | EvalEvent))}\n`);
  }

  /** Logs a run's step and eval events; returns the run for chaining. */
  attach(run: TrainingRun): TrainingRun {
    run.on('step', (event) => {
      if (event.step % this.every === 0) this.write(event);
    });
    run.on('eval', (event) => this.write(event));
    return run;
  }

  /** Flushes and closes the file; rejects with the {@link MetricsWriteError} when any write failed. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = () => (this.failure ? reject(this.failure) : resolve());
      if (this.stream.destroyed) return settle();
      this.stream.end((error?: NodeJS.ErrnoException | null) => {
        if (error) this.failure ??= new MetricsWriteError(this.path, error.code, error);
        settle();
      });
      // end()'s callback does not run when the stream fails while flushing; 'close' always comes.
      this.stream.once('close', settle);
    });
  }
}

/** What {@link truncateMetrics} did. */
export interface TruncateMetricsResult {
  /** Lines kept. */
  kept: number;
  /** Step and eval lines past the step, removed. */
  removed: number;
  /** Lines that were not complete JSON (a write cut short), removed. */
  broken: number;
}

/**
 * Cuts a metrics log back to `step`: removes records whose `step` is greater (a run killed after its
 * last checkpoint logged steps that the resumed run logs again) and lines that are not complete JSON (a
 * write cut short). Rewrites the file atomically; a missing file is an empty log.
 */
export async function truncateMetrics(path: string, step: number): Promise<TruncateMetricsResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kept: 0, removed: 0, broken: 0 };
    throw new MetricsWriteError(path, (error as NodeJS.ErrnoException).code, error);
  }
  const kept: string[] = [];
  let removed = 0;
  let broken = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      broken++;
      continue;
    }
    const recordStep = (record as { step?: unknown } | null)?.step;
    if (typeof recordStep === 'number' && recordStep > step) removed++;
    else kept.push(line);
  }
  if (removed === 0 && broken === 0) return { kept: kept.length, removed, broken };
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, kept.length > 0 ? `${kept.join('\n')}\n` : '');
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new MetricsWriteError(path, (error as NodeJS.ErrnoException).code, error);
  }
  return { kept: kept.length, removed, broken };
}
