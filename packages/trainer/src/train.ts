/**
 * The ready training loop: batches from {@link TrainingData}, {@link trainStep} with a learning-rate
 * schedule, periodic {@link estimateLoss}, samples and checkpoints, all reported as typed events.
 *
 * Determinism: the batch sampler is the only consumer of the run's RNG; evaluation and sampling draw from
 * RNGs seeded by (seed, step). A checkpoint records the model, the optimizer state, the sampler's RNG
 * state and the step, so on a deterministic backend (cpu) a resumed run repeats the uninterrupted loss
 * curve exactly.
 */
import type { LanguageModel } from '@makemore/models';
import { Rng, type RngState } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import type { CheckpointSink, CheckpointSlot, TrainerConfigRecord, TrainingSnapshot } from './checkpoint';
import type { Batch, TrainingData } from './data';
import { estimateLoss } from './estimate-loss';
import { EventChannel, type TrainEvent, type TrainEventOf } from './events';
import type { Optimizer } from './optim/optimizer';
import { constant, type Schedule } from './schedules';
import { trainStep } from './train-step';
import { TRAINER_VERSION } from './version';

/** Context handed to a {@link TrainOptions.sample} callback. */
export interface SampleContext {
  /** Steps completed. */
  step: number;
  /** A seed derived from the run seed and the step, for reproducible samples. */
  seed: number;
}

/** Options for {@link train}. */
export interface TrainOptions {
  model: LanguageModel;
  data: TrainingData;
  optimizer: Optimizer;
  /** Learning rate per 0-based step (default: constant at the optimizer's lr). */
  schedule?: Schedule;
  /** Total steps of the run (a resumed run continues up to this count). */
  steps: number;
  batchSize: number;
  /** Evaluate (and checkpoint) every this many steps, and after the last (default steps / 10; 0 = only at the end). */
  evalEvery?: number;
  /** Batches per split per evaluation, or 'all' (default: 'all' for words, 200 for text). */
  evalIters?: number | 'all';
  /** Examples per evaluation batch (default 512 for 'all', else batchSize). */
  evalBatchSize?: number;
  /** Splits to evaluate (default: the training split and the eval split). */
  evalSplits?: string[];
  /** Call `sample` every this many steps (default 0: never). */
  sampleEvery?: number;
  /** Produces samples for a `sample` event; the model is in eval mode while it runs. */
  sample?: (model: LanguageModel, context: SampleContext) => string[] | Promise<string[]>;
  /** Where checkpoints go (Node: `new Checkpointer(dir)`; a browser: its own sink). */
  checkpoint?: CheckpointSink;
  /** Aborting saves a `last` checkpoint, then the run ends with reason `aborted`. */
  signal?: AbortSignal;
  /** Seed for batch sampling (default 42). The model's init seed lives in its config. */
  seed?: number;
  /** Clip gradients to this global norm (default: none). */
  gradClip?: number;
  /**
   * Micro-batches per step whose gradients are summed before the update (nanoGPT's
   * `gradient_accumulation_steps`; default 1). A step then sees `gradAccum × batchSize` examples.
   */
  gradAccum?: number;
  /** Continue from this snapshot (e.g. `await new Checkpointer(dir).load('last')`). */
  resume?: TrainingSnapshot;
  /** The tokenizer's JSON, stored in checkpoints. */
  tokenizer?: unknown;
  /** Extra trainer settings to record in checkpoints (schedule parameters, CLI flags…). */
  record?: Record<string, unknown>;
}

/** What a finished run resolves to. */
export interface TrainResult {
  /** Steps completed in total (including those before a resume). */
  step: number;
  reason: 'completed' | 'aborted';
  losses: Record<string, number>;
  bestDevLoss: number | null;
  elapsedMs: number;
  stepsPerSec: number;
  backend: string;
}

/**
 * Thrown when the loss becomes NaN or ±Infinity. Nothing is saved after that: the checkpoints on disk
 * (if any) are from before the divergence. The fields let an app word the advice in its own terms.
 */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
    /** `training`, or `<split> evaluation`. */
    readonly where = 'training',
    /** The step of the last checkpoint saved (or resumed from), or null when there is none. */
    readonly lastCheckpointStep: number | null = null,
    /** Whether gradient clipping was on. */
    readonly gradClip: number | undefined = undefined,
  ) {
    const kept =
      lastCheckpointStep === null
        ? 'no checkpoint had been saved yet'
        : `the last good checkpoint (step ${lastCheckpointStep}) was kept`;
    const clip =
      gradClip === undefined ? 'gradient clipping (gradClip)' : `a lower gradClip than ${gradClip}`;
    super(
      `${where} loss is ${loss} at step ${step}; training stopped and ${kept}. Try a lower learning rate or ${clip}.`,
    );
    this.name = 'NonFiniteLossError';
  }
}

/** A running training job: subscribe with `on`, iterate with `for await`, or await `result`. */
export class TrainingRun implements AsyncIterable<TrainEvent> {
  /** Settles when the run ends: resolves on completion or abort, rejects on error. */
  readonly result: Promise<TrainResult>;
  private readonly channel = new EventChannel();

  constructor(options: TrainOptions) {
    // Start on a later tick, so listeners and iterators attached right after train() see every event.
    this.result = Promise.resolve().then(() => runLoop(options, this.channel));
    this.result.then(
      () => this.channel.close(),
      (error: unknown) => this.channel.close(error ?? new Error('training failed')),
    );
  }

  /** Calls `listener` for every event of `type` (or every event for `'*'`). */
  on<K extends TrainEvent['type']>(type: K, listener: (event: TrainEventOf<K>) => void): this;
  on(type: '*', listener: (event: TrainEvent) => void): this;
  on(type: string, listener: (event: never) => void): this {
    this.channel.on(type, listener as (event: TrainEvent) => void);
    return this;
  }

  /** Removes a listener added with {@link on}. */
  off(type: string, listener: (event: never) => void): this {
    this.channel.off(type, listener as (event: TrainEvent) => void);
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterator<TrainEvent> {
    return this.channel[Symbol.asyncIterator]();
  }
}

/**
 * Starts training and returns the running job. Example:
 *
 * ```ts
 * const run = train({ model, data, optimizer: new AdamW(model.parameters(), { lr: 5e-4 }), steps: 1000, batchSize: 32 });
 * for await (const ev of run) if (ev.type === 'eval') console.log(ev.step, ev.losses);
 * const result = await run.result;
 * ```
 */
export function train(options: TrainOptions): TrainingRun {
  return new TrainingRun(options);
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Lets timers and abort handlers run between steps (tfjs `data()` on cpu resolves in microtasks). */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function checkOptions(o: TrainOptions): void {
  const positiveInt = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) {
      throw new RangeError(`train: ${name} must be an integer >= ${min}, got ${v}`);
    }
  };
  positiveInt('steps', o.steps, 1);
  positiveInt('batchSize', o.batchSize, 1);
  positiveInt('evalEvery', o.evalEvery, 0);
  positiveInt('sampleEvery', o.sampleEvery, 0);
  positiveInt('gradAccum', o.gradAccum, 1);
  if (o.data.inputKind !== o.model.inputKind) {
    throw new Error(
      `train: the model reads '${o.model.inputKind}' input but the data gives '${o.data.inputKind}'; ` +
        `build the data with inputKind: '${o.model.inputKind}'`,
    );
  }
  if (o.data.blockSize > o.model.blockSize) {
    throw new Error(
      `train: data blockSize ${o.data.blockSize} exceeds the model's blockSize ${o.model.blockSize}`,
    );
  }
  if (o.resume && o.resume.step > o.steps) {
    throw new Error(
      `train: the checkpoint is at step ${o.resume.step}, past steps=${o.steps}; raise steps to continue`,
    );
  }
}

async function runLoop(o: TrainOptions, channel: EventChannel): Promise<TrainResult> {
  checkOptions(o);
  const { model, data, optimizer, steps, batchSize } = o;
  const seed = o.seed ?? 42;
  const schedule = o.schedule ?? constant(optimizer.lr);
  const evalEvery = o.evalEvery ?? Math.max(1, Math.floor(steps / 10));
  const evalIters = o.evalIters ?? (data.kind === 'words' ? 'all' : 200);
  const evalBatchSize = o.evalBatchSize ?? (evalIters === 'all' ? 512 : batchSize);
  const trainSplit = data.splits[0] as string;
  const evalSplits =
    o.evalSplits ?? [...new Set([trainSplit, data.evalSplit])].filter((s) => data.size(s) > 0);
  const sampleEvery = o.sampleEvery ?? 0;
  const gradAccum = o.gradAccum ?? 1;

  let rng = new Rng(seed);
  let step = 0;
  let bestDevLoss: number | null = null;
  if (o.resume) {
    model.loadStateDict(o.resume.weights);
    optimizer.setState(o.resume.optimizer);
    rng = Rng.fromState(o.resume.rngState);
    if (o.resume.modelRngState !== undefined) model.setRandomState?.(o.resume.modelRngState);
    step = o.resume.step;
    bestDevLoss = o.resume.bestDevLoss;
  }
  const startStep = step;
  const backend = tf.getBackend();
  const trainerRecord: TrainerConfigRecord = {
    ...o.resume?.trainer,
    ...o.record,
    steps,
    batchSize,
    seed,
    evalEvery,
    evalIters,
    ...(o.gradClip !== undefined ? { gradClip: o.gradClip } : {}),
    ...(gradAccum !== 1 ? { gradAccum } : {}),
  };
  const t0 = now();
  let lastYield = t0;
  let losses: Record<string, number> = {};

  // The step of the newest checkpoint on disk: the resumed one, then each save.
  let lastSavedStep: number | null = o.resume?.step ?? null;
  const save = async (slot: CheckpointSlot, reason: 'best' | 'eval' | 'end' | 'abort') => {
    if (!o.checkpoint) return;
    const optimizerState = optimizer.getState();
    const snapshot: TrainingSnapshot = {
      model: model.config,
      ...(o.tokenizer !== undefined ? { tokenizer: o.tokenizer } : {}),
      dataset: data.describe(),
      trainer: trainerRecord,
      step,
      bestDevLoss,
      rngState: rng.state,
      ...modelRandomState(model),
      versions: { '@makemore/trainer': TRAINER_VERSION, '@tensorflow/tfjs-core': tf.version_core, backend },
      weights: model.stateDict(),
      optimizer: optimizerState,
    };
    try {
      await o.checkpoint.save(snapshot, slot);
    } finally {
      tf.dispose(Object.values(optimizerState.tensors));
    }
    lastSavedStep = step;
    channel.emit({ type: 'checkpoint', step, slot, reason });
  };

  const finish = (reason: 'completed' | 'aborted'): TrainResult => {
    const elapsedMs = now() - t0;
    const result: TrainResult = {
      step,
      reason,
      losses,
      bestDevLoss,
      elapsedMs,
      stepsPerSec: elapsedMs > 0 ? ((step - startStep) * 1000) / elapsedMs : 0,
      backend,
    };
    channel.emit({ type: 'done', ...result });
    return result;
  };

  const tokensPerStep = gradAccum * batchSize * data.tokensPerExample;
  while (step < steps) {
    if (o.signal?.aborted) {
      await save('last', 'abort');
      return finish('aborted');
    }
    const lr = schedule(step);
    const started = now();
    const batches = Array.from({ length: gradAccum }, () => data.batch(trainSplit, batchSize, rng));
    let measured: { loss: number; gradNorm: number };
    try {
      measured = await trainStep(model, optimizer, gradAccum === 1 ? (batches[0] as Batch) : batches, {
        lr,
        ignoreIndex: data.ignoreIndex,
        ...(o.gradClip !== undefined ? { gradClip: o.gradClip } : {}),
      });
    } finally {
      tf.dispose(batches.flatMap((b) => [b.x, b.y]));
    }
    step++;
    if (!Number.isFinite(measured.loss))
      throw new NonFiniteLossError(step, measured.loss, 'training', lastSavedStep, o.gradClip);
    const ended = now();
    channel.emit({
      type: 'step',
      step,
      loss: measured.loss,
      lr,
      gradNorm: measured.gradNorm,
      tokensPerSec: ended > started ? (tokensPerStep * 1000) / (ended - started) : 0,
      elapsedMs: ended - t0,
    });

    if ((evalEvery > 0 && step % evalEvery === 0) || step === steps) {
      losses = await estimateLoss(model, data, {
        splits: evalSplits,
        iters: evalIters,
        batchSize: evalBatchSize,
        seed: seed + 1,
      });
      for (const [split, value] of Object.entries(losses)) {
        if (!Number.isFinite(value))
          throw new NonFiniteLossError(step, value, `${split} evaluation`, lastSavedStep, o.gradClip);
      }
      // The best checkpoint follows the eval split (or the training split when only that was evaluated).
      const devLoss = losses[data.evalSplit] ?? losses[trainSplit];
      const best = devLoss !== undefined && (bestDevLoss === null || devLoss < bestDevLoss);
      if (best) bestDevLoss = devLoss;
      channel.emit({ type: 'eval', step, losses, best, elapsedMs: now() - t0 });
      if (best) await save('best', 'best');
      await save('last', step === steps ? 'end' : 'eval');
    }

    if (o.sample && sampleEvery > 0 && (step % sampleEvery === 0 || step === steps)) {
      const wasTraining = model.training;
      model.setTraining(false);
      try {
        const samples = await o.sample(model, { step, seed: (seed * 1_000_003 + step) >>> 0 });
        channel.emit({ type: 'sample', step, samples });
      } finally {
        model.setTraining(wasTraining);
      }
    }

    if (now() - lastYield > 50) {
      await yieldToEventLoop();
      lastYield = now();
    }
  }
  return finish('completed');
}

/** The model's dropout stream for a snapshot, when it has one. */
function modelRandomState(model: LanguageModel): { modelRngState?: RngState } {
  const state = model.randomState?.() ?? null;
  return state === null ? {} : { modelRngState: state };
}
