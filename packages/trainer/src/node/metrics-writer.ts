/**
 * A JSONL metrics log: one JSON object per line for each step (step, loss, lr, gradNorm, tokensPerSec,
 * elapsedMs) and each evaluation (losses per split). Lines are appended, so a resumed run continues the file.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { EvalEvent, StepEvent } from '../events';
import { type MetricRecord, metricRecord } from '../metrics';
import type { TrainingRun } from '../train';

/** Options for {@link MetricsWriter}. */
export interface MetricsWriterOptions {
  /** Write every this many step events (default 1); evaluations are always written. */
  every?: number;
}

/** Appends metric records to a `.jsonl` file. */
export class MetricsWriter {
  private readonly stream: WriteStream;
  private readonly every: number;

  constructor(
    readonly path: string,
    options: MetricsWriterOptions = {},
  ) {
    this.every = options.every ?? 1;
    if (!Number.isInteger(this.every) || this.every < 1) {
      throw new RangeError(`MetricsWriter: every must be an integer >= 1, got ${options.every}`);
    }
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  /** Appends one record (or the record of a step/eval event). */
  write(record: MetricRecord | StepEvent | EvalEvent): void {
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

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
  }
}
