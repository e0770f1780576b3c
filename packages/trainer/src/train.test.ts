import '@tensorflow/tfjs-backend-cpu';
import type { LanguageModel } from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { charTokenizer, TinyModel, WORDS } from '../test/tiny-model';
import { createTrainingData } from './data';
import type { TrainEvent } from './events';
import { MemoryCheckpoints } from './memory-checkpoints';
import { AdamW } from './optim/adam';
import { SGD } from './optim/sgd';
import { cosineWithWarmup } from './schedules';
import { NonFiniteLossError, train } from './train';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const data = (inputKind: 'window' | 'sequence' = 'window') =>
  createTrainingData({
    kind: 'words',
    splits: { train: WORDS.slice(0, 24), dev: WORDS.slice(24, 27), test: WORDS.slice(27) },
    tokenizer: charTokenizer,
    inputKind,
    blockSize: inputKind === 'window' ? 3 : 10,
  });

const tiny = (seed = 1, inputKind: 'window' | 'sequence' = 'window') =>
  new TinyModel({ vocabSize: 27, blockSize: inputKind === 'window' ? 3 : 10, inputKind, seed });

describe('train', () => {
  it('emits typed events in order and works as an async iterator', async () => {
    const model = tiny();
    const run = train({
      model,
      data: data(),
      optimizer: new AdamW(model.parameters(), { lr: 1e-2 }),
      schedule: cosineWithWarmup({ maxLr: 1e-2, warmupSteps: 2, decaySteps: 12 }),
      steps: 12,
      batchSize: 16,
      evalEvery: 5,
      sampleEvery: 6,
      sample: (m, { step }) => [`${m.training ? 'train' : 'eval'}-mode sample at ${step}`],
      checkpoint: new MemoryCheckpoints(),
    });
    const steps: number[] = [];
    run.on('step', (ev) => steps.push(ev.step));
    const events: TrainEvent[] = [];
    for await (const ev of run) events.push(ev);
    const result = await run.result;

    expect(steps).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const summary = events.filter((e) => e.type !== 'step').map((e) => `${e.type}@${e.step}`);
    expect(summary).toEqual([
      'eval@5',
      'checkpoint@5',
      'checkpoint@5',
      'sample@6',
      'eval@10',
      'checkpoint@10',
      'checkpoint@10',
      'eval@12',
      'checkpoint@12',
      'checkpoint@12',
      'sample@12',
      'done@12',
    ]);
    const firstStep = events[0] as Extract<TrainEvent, { type: 'step' }>;
    expect(firstStep.lr).toBeCloseTo(1e-2 / 3, 12); // warmup: 1e-2 · 1/(2 + 1)
    expect(firstStep.gradNorm).toBeGreaterThan(0);
    const sample = events.find((e) => e.type === 'sample');
    expect(sample).toMatchObject({ samples: ['eval-mode sample at 6'] });
    const evals = events.filter((e) => e.type === 'eval');
    expect(Object.keys(evals[0]!.losses)).toEqual(['train', 'dev']);
    expect(result).toMatchObject({ step: 12, reason: 'completed', backend: 'cpu' });
    expect(result.bestDevLoss).toBe(Math.min(...evals.map((e) => e.losses.dev!)));
    expect(events.at(-1)).toMatchObject({ type: 'done', reason: 'completed' });
    expect(model.training).toBe(true);
  });

  it('trains a sequence model on padded words and lowers the dev loss', async () => {
    const model = tiny(2, 'sequence');
    const run = train({
      model,
      data: data('sequence'),
      optimizer: new AdamW(model.parameters(), { lr: 2e-2 }),
      steps: 60,
      batchSize: 8,
      evalEvery: 30,
    });
    const evals: number[] = [];
    run.on('eval', (ev) => evals.push(ev.losses.dev!));
    await run.result;
    expect(evals).toHaveLength(2);
    expect(evals[1]!).toBeLessThan(Math.log(27) - 0.3);
  });

  it('resumes to exactly the loss curve of an uninterrupted run (cpu)', async () => {
    const settings = { steps: 30, batchSize: 16, evalEvery: 10, seed: 7 };
    const optimizerFor = (m: LanguageModel) => new AdamW(m.parameters(), { lr: 2e-2, weightDecay: 0.1 });

    // Uninterrupted.
    const a = tiny(1);
    const full: number[] = [];
    const fullEvals: number[] = [];
    const runA = train({ model: a, data: data(), optimizer: optimizerFor(a), ...settings });
    runA.on('step', (e) => full.push(e.loss)).on('eval', (e) => fullEvals.push(e.losses.dev!));
    await runA.result;

    // Interrupted after step 13 (between evaluations), then resumed into a differently initialised model.
    const b = tiny(1);
    const sink = new MemoryCheckpoints();
    const controller = new AbortController();
    const part: number[] = [];
    const partEvals: number[] = [];
    const runB = train({
      model: b,
      data: data(),
      optimizer: optimizerFor(b),
      checkpoint: sink,
      signal: controller.signal,
      ...settings,
    });
    runB.on('step', (e) => {
      part.push(e.loss);
      if (e.step === 13) controller.abort();
    });
    runB.on('eval', (e) => partEvals.push(e.losses.dev!));
    const stopped = await runB.result;
    expect(stopped).toMatchObject({ reason: 'aborted', step: 13 });

    const snapshot = sink.load('last')!;
    expect(snapshot.step).toBe(13);
    const c = tiny(99);
    const runC = train({ model: c, data: data(), optimizer: optimizerFor(c), resume: snapshot, ...settings });
    runC.on('step', (e) => part.push(e.loss)).on('eval', (e) => partEvals.push(e.losses.dev!));
    const resumed = await runC.result;
    expect(resumed.step).toBe(30);
    expect(part).toEqual(full);
    expect(partEvals).toEqual(fullEvals);
    expect(resumed.bestDevLoss).toBe(Math.min(...fullEvals));
  });

  it('on abort saves a last checkpoint, then stops', async () => {
    const model = tiny();
    const sink = new MemoryCheckpoints();
    const controller = new AbortController();
    controller.abort();
    const run = train({
      model,
      data: data(),
      optimizer: new SGD(model.parameters()),
      steps: 100,
      batchSize: 4,
      checkpoint: sink,
      signal: controller.signal,
    });
    const events: TrainEvent[] = [];
    for await (const ev of run) events.push(ev);
    expect(events.map((e) => e.type)).toEqual(['checkpoint', 'done']);
    expect(events[0]).toMatchObject({ slot: 'last', reason: 'abort', step: 0 });
    expect(sink.load('last')!.step).toBe(0);
    expect(sink.load('best')).toBeUndefined();
  });

  it('stops on a NaN loss with an error naming the step, keeping the last good checkpoint', async () => {
    // A model whose loss turns NaN on its 7th training-mode call.
    class NanAtSeven extends TinyModel {
      calls = 0;
      override loss(idx: tf.Tensor, targets: tf.Tensor): tf.Scalar {
        const l = super.loss(idx, targets);
        if (!this.training || ++this.calls !== 7) return l;
        return tf.tidy(() => tf.mul(l, Number.NaN)) as tf.Scalar;
      }
    }
    const model = new NanAtSeven({ vocabSize: 27, blockSize: 3, inputKind: 'window' });
    const sink = new MemoryCheckpoints();
    const run = train({
      model,
      data: data(),
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      steps: 20,
      batchSize: 4,
      evalEvery: 5,
      checkpoint: sink,
    });
    const seen: TrainEvent[] = [];
    const consume = (async () => {
      for await (const ev of run) seen.push(ev);
    })();
    await expect(consume).rejects.toThrow(/loss is NaN at step 7/);
    await expect(run.result).rejects.toBeInstanceOf(NonFiniteLossError);
    await expect(run.result).rejects.toThrow(/the last good checkpoint \(step 5\) was kept/);
    await expect(run.result).rejects.toMatchObject({ lastCheckpointStep: 5, gradClip: undefined });
    expect(seen.filter((e) => e.type === 'step').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.some((e) => e.type === 'done')).toBe(false);
    expect(sink.load('last')!.step).toBe(5);

    // Diverging before the first save: the message must not claim a checkpoint exists.
    const early = new NanAtSeven({ vocabSize: 27, blockSize: 3, inputKind: 'window' });
    const earlyRun = train({
      model: early,
      data: data(),
      optimizer: new SGD(early.parameters(), { lr: 0.1 }),
      steps: 20,
      batchSize: 4,
      evalEvery: 10,
      gradClip: 1,
      checkpoint: new MemoryCheckpoints(),
    });
    await expect(earlyRun.result).rejects.toThrow(/no checkpoint had been saved yet/);
    await expect(earlyRun.result).rejects.toMatchObject({ lastCheckpointStep: null, gradClip: 1 });
  });

  it('rejects mismatched data and bad options before training', async () => {
    const model = tiny();
    const opt = new SGD(model.parameters());
    await expect(
      train({ model, data: data('sequence'), optimizer: opt, steps: 1, batchSize: 1 }).result,
    ).rejects.toThrow(/reads 'window' input but the data gives 'sequence'/);
    await expect(
      train({ model, data: data(), optimizer: opt, steps: 0, batchSize: 1 }).result,
    ).rejects.toThrow(/steps must be an integer >= 1/);
  });
});
