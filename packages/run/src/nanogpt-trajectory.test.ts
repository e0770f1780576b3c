/**
 * The `nanogpt-baby` recipe trains as nanoGPT's train.py does, step for step.
 *
 * scripts/make_nanogpt_trajectory.py (PyTorch, nanoGPT's unmodified GPT class and `configure_optimizers`)
 * recorded a scaled-down baby GPT's initial weights and 40 steps of train.py's loop: the windows, the
 * learning rate, the loss and the gradient norm of each step. Here the recipe, with the same scaled-down
 * sizes, is prepared by `prepareRun`, given those weights, and trained by @makemore/trainer's `train` loop
 * on the same windows. Equal losses over every step need every piece to agree: the schedule (warmup as
 * train.py's `get_lr`), AdamW's decay groups, betas and eps, global-norm clipping, tied weights.
 */
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasetFromText } from '@makemore/datasets';
import { parseSafetensors, tensorsFromSafetensors } from '@makemore/models';
import { type Batch, type StepEvent, train } from '@makemore/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareRun } from './prepare';
import { recipeSpec } from './recipes';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

interface TrajectoryStep {
  windows: number[][];
  lr: number;
  loss: number;
  gradNorm: number;
}
interface Trajectory {
  config: {
    nLayer: number;
    nHead: number;
    nEmbd: number;
    blockSize: number;
    batchSize: number;
    steps: number;
    lr: number;
    minLr: number;
    warmup: number;
    decaySteps: number;
    weightDecay: number;
    betas: [number, number];
    gradClip: number;
  };
  steps: TrajectoryStep[];
}

const trajectory = JSON.parse(readFileSync(join(FIXTURES, 'nanogpt-trajectory.json'), 'utf8')) as Trajectory;
const text = readFileSync(join(process.env.MAKEMORE_DATA_DIR as string, 'shakespeare.txt'), 'utf8');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe("nanogpt-baby against nanoGPT's train.py", () => {
  it('gives the same loss, gradient norm and learning rate at every step from the same weights and windows', async () => {
    const c = trajectory.config;
    const spec = recipeSpec('nanogpt-baby', {
      model: {
        type: 'transformer',
        nLayer: c.nLayer,
        nHead: c.nHead,
        nEmbd: c.nEmbd,
        blockSize: c.blockSize,
      },
      optimizer: { type: 'adamw', lr: c.lr, weightDecay: c.weightDecay, betas: c.betas },
      schedule: { type: 'cosine', warmup: c.warmup, minLr: c.minLr, decaySteps: c.decaySteps },
      training: { steps: c.steps, batchSize: c.batchSize, gradClip: c.gradClip },
      eval: { every: 0 },
    });
    const run = prepareRun(spec, datasetFromText(text, { name: 'shakespeare', kind: 'text' }));
    const weights = tensorsFromSafetensors(
      parseSafetensors(new Uint8Array(readFileSync(join(FIXTURES, 'nanogpt-trajectory.safetensors')))),
    );
    run.model.loadStateDict(weights);
    tf.dispose(Object.values(weights));

    // The run's own batches, replaced by the windows train.py drew (its torch.randint stream).
    let next = 0;
    const replay = Object.create(run.data) as typeof run.data;
    replay.batch = (split: string): Batch => {
      expect(split).toBe('train');
      const step = trajectory.steps[next++];
      if (!step) throw new Error('train asked for more batches than the trajectory has');
      const windows = step.windows;
      return {
        x: tf.tensor2d(
          windows.map((w) => w.slice(0, -1)),
          undefined,
          'int32',
        ),
        y: tf.tensor2d(
          windows.map((w) => w.slice(1)),
          undefined,
          'int32',
        ),
      };
    };
    const seen: StepEvent[] = [];
    const job = train(run.trainOptions({ data: replay, sampleEvery: 0 }));
    job.on('step', (e) => seen.push(e));
    await job.result;
    run.dispose();

    expect(seen).toHaveLength(c.steps);
    const worst = { loss: 0, gradNorm: 0, lr: 0 };
    seen.forEach((e, i) => {
      const ref = trajectory.steps[i] as TrajectoryStep;
      worst.loss = Math.max(worst.loss, Math.abs(e.loss - ref.loss));
      worst.gradNorm = Math.max(worst.gradNorm, Math.abs(e.gradNorm - ref.gradNorm) / ref.gradNorm);
      worst.lr = Math.max(worst.lr, Math.abs(e.lr - ref.lr));
    });
    // float32 on both sides, 40 updates at lr up to 3e-3: agreement to ~1e-6 is typical. (At lr 1e-2 this
    // tiny model is chaotic: rounding differences grow to 1e-2 within 20 steps, whichever side is right.)
    expect(worst.loss).toBeLessThan(1e-4);
    expect(worst.gradNorm).toBeLessThan(1e-3);
    expect(worst.lr).toBeLessThan(1e-12);
    // The run learned something, so equal losses are not equal constants.
    expect((seen.at(-1) as StepEvent).loss).toBeLessThan((seen[0] as StepEvent).loss - 0.3);
  });
});
