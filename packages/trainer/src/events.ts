/**
 * The training loop's typed events, and a small emitter that is also an async iterator, so a UI can
 * either subscribe with `run.on('step', …)` or write `for await (const event of run)`.
 */

/** After each optimisation step. */
export interface StepEvent {
  type: 'step';
  /** Steps completed, 1-based (the first step reports 1). */
  step: number;
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Tokens read per second during this step. */
  tokensPerSec: number;
  /** Milliseconds since this run (or this resumed part of it) started. */
  elapsedMs: number;
}

/** After each evaluation. */
export interface EvalEvent {
  type: 'eval';
  step: number;
  /** Mean loss per evaluated split. */
  losses: Record<string, number>;
  /** True when the eval-split loss is the lowest so far. */
  best: boolean;
  elapsedMs: number;
}

/** After each sampling round. */
export interface SampleEvent {
  type: 'sample';
  step: number;
  samples: string[];
}

/** After a checkpoint was saved. */
export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  slot: 'best' | 'last';
  /** Why it was saved: a new best, a regular eval, the end of the run, or an abort. */
  reason: 'best' | 'eval' | 'end' | 'abort';
}

/** Once, when the run stops without error. */
export interface DoneEvent {
  type: 'done';
  step: number;
  /** `completed` after the last step, `aborted` after the AbortSignal fired. */
  reason: 'completed' | 'aborted';
  /** Losses of the most recent evaluation (empty when none ran). */
  losses: Record<string, number>;
  bestDevLoss: number | null;
  /** Wall time of this run, in ms. */
  elapsedMs: number;
  /** Steps taken by this run per second of wall time. */
  stepsPerSec: number;
  /** The tfjs backend the run used. */
  backend: string;
}

/** Any event of the training loop. */
export type TrainEvent = StepEvent | EvalEvent | SampleEvent | CheckpointEvent | DoneEvent;

/** The event of one `type`. */
export type TrainEventOf<K extends TrainEvent['type']> = Extract<TrainEvent, { type: K }>;

type Listener = (event: TrainEvent) => void;

/**
 * Delivers events to listeners and to async iterators. An iterator sees every event emitted after it was
 * created (they queue until it reads them); when the run fails, it throws the run's error after the queue.
 */
export class EventChannel implements AsyncIterable<TrainEvent> {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly readers = new Set<{ queue: TrainEvent[]; wake?: () => void }>();
  private closed = false;
  private failure: unknown;

  on(type: string, listener: Listener): void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
  }

  off(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  emit(event: TrainEvent): void {
    for (const listener of this.listeners.get(event.type) ?? []) listener(event);
    for (const listener of this.listeners.get('*') ?? []) listener(event);
    for (const reader of this.readers) {
      reader.queue.push(event);
      reader.wake?.();
    }
  }

  /** Ends every iterator, with an error when `failure` is given. */
  close(failure?: unknown): void {
    this.closed = true;
    this.failure = failure;
    for (const reader of this.readers) reader.wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<TrainEvent> {
    const reader: { queue: TrainEvent[]; wake?: () => void } = { queue: [] };
    this.readers.add(reader);
    const next = async (): Promise<IteratorResult<TrainEvent>> => {
      for (;;) {
        const event = reader.queue.shift();
        if (event) return { value: event, done: false };
        if (this.closed) {
          this.readers.delete(reader);
          if (this.failure !== undefined) throw this.failure;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          reader.wake = resolve;
        });
        reader.wake = undefined;
      }
    };
    return {
      next,
      return: async () => {
        this.readers.delete(reader);
        return { value: undefined, done: true };
      },
    };
  }
}
