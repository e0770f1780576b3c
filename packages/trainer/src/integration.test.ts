// The trainer with the real models of @makemore/models, the real CharTokenizer and names.txt.
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, type LanguageModel, type ModelConfig } from '@makemore/models';
import { CharTokenizer } from '@makemore/tokenizers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrainingData, type TrainingData } from './data';
import { Checkpointer } from './node/checkpointer';
import { AdamW } from './optim/adam';
import { SGD } from './optim/sgd';
import type { Optimizer } from './optim/optimizer';
import { stepDecay } from './schedules';
import { train } from './train';

const dataDir = process.env.MAKEMORE_DATA_DIR as string;
const names = readFileSync(join(dataDir, 'names.txt'), 'utf8').split('\n').filter(Boolean);
const tokenizer = CharTokenizer.fromText(names.join(''), { specialTokens: ['.'] });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs `steps` steps and returns the step losses; aborts after `abortAt` steps when given. */
async function lossCurve(
  make: () => { model: LanguageModel; optimizer: Optimizer },
  data: TrainingData,
  settings: { steps: number; batchSize: number; evalEvery: number; evalIters: number },
  options: {
    abortAt?: number;
    checkpoint?: Checkpointer;
    resume?: Awaited<ReturnType<Checkpointer['load']>>;
  } = {},
): Promise<number[]> {
  const { model, optimizer } = make();
  const controller = new AbortController();
  const losses: number[] = [];
  const run = train({
    model,
    data,
    optimizer,
    ...settings,
    seed: 11,
    signal: controller.signal,
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    ...(options.resume ? { resume: options.resume } : {}),
  });
  run.on('step', (e) => {
    losses.push(e.loss);
    if (e.step === options.abortAt) controller.abort();
  });
  await run.result;
  model.dispose();
  optimizer.dispose();
  return losses;
}

describe('with @makemore/models', () => {
  it("trains the lecture's MLP (BatchNorm) on names and resumes it exactly", async () => {
    expect(tokenizer.vocabSize).toBe(27);
    const data = createTrainingData({
      kind: 'words',
      words: names.slice(0, 2000),
      seed: 42,
      tokenizer,
      inputKind: 'window',
      blockSize: 3,
    });
    const config: ModelConfig = {
      type: 'mlp',
      vocabSize: 27,
      blockSize: 3,
      nEmbd: 10,
      nHidden: 64,
      batchNorm: true,
      seed: 1,
    };
    const make = () => {
      const model = createModel(config) as LanguageModel;
      return { model, optimizer: new SGD(model.parameters(), { lr: 0.1 }) as Optimizer };
    };
    const settings = { steps: 24, batchSize: 32, evalEvery: 8, evalIters: 2 };
    const full = await lossCurve(make, data, settings);
    const dir = await mkdtemp(join(tmpdir(), 'trainer-mlp-'));
    try {
      const ckpt = new Checkpointer(dir);
      const first = await lossCurve(make, data, settings, { abortAt: 11, checkpoint: ckpt });
      const snapshot = await ckpt.load('last');
      expect(Object.keys(snapshot.weights)).toEqual(
        expect.arrayContaining(['mlp.1.running_mean', 'mlp.1.running_var']),
      );
      const rest = await lossCurve(make, data, settings, { resume: snapshot });
      expect([...first, ...rest]).toEqual(full);
      expect(full.at(-1)!).toBeLessThan(full[0]! - 0.3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([0, 0.2])(
    'trains a small Transformer (dropout %s) on padded names and resumes it exactly',
    async (dropout) => {
      const words = names.slice(0, 300);
      const blockSize = Math.max(...words.map((w) => w.length)) + 1;
      const data = createTrainingData({
        kind: 'words',
        words,
        seed: 3,
        tokenizer,
        inputKind: 'sequence',
        blockSize,
      });
      const config: ModelConfig = {
        type: 'transformer',
        vocabSize: 27,
        blockSize,
        nLayer: 1,
        nHead: 2,
        nEmbd: 16,
        dropout,
        seed: 2,
      };
      const make = () => {
        const model = createModel(config) as LanguageModel;
        return {
          model,
          optimizer: new AdamW(model.parameters(), { lr: 5e-3, weightDecay: 0.01 }) as Optimizer,
        };
      };
      const settings = { steps: 10, batchSize: 16, evalEvery: 5, evalIters: 1 };
      const full = await lossCurve(make, data, settings);
      const dir = await mkdtemp(join(tmpdir(), 'trainer-gpt-'));
      try {
        const ckpt = new Checkpointer(dir);
        const first = await lossCurve(make, data, settings, { abortAt: 6, checkpoint: ckpt });
        const snapshot = await ckpt.load('last');
        // With dropout the checkpoint carries the model's random stream; without, nothing is stored.
        expect(snapshot.modelRngState === undefined).toBe(dropout === 0);
        const rest = await lossCurve(make, data, settings, { resume: snapshot });
        expect([...first, ...rest]).toEqual(full);
        expect(full.at(-1)!).toBeLessThan(full[0]!);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('uses stepDecay as the lecture does', async () => {
    const data = createTrainingData({
      kind: 'words',
      words: names.slice(0, 500),
      tokenizer,
      inputKind: 'window',
      blockSize: 3,
    });
    const model = createModel({
      type: 'mlp',
      vocabSize: 27,
      blockSize: 3,
      nHidden: 32,
      seed: 4,
    }) as LanguageModel;
    const lrs: number[] = [];
    const run = train({
      model,
      data,
      optimizer: new SGD(model.parameters()),
      schedule: stepDecay({ values: [0.1, 0.01], boundaries: [3] }),
      steps: 5,
      batchSize: 8,
      evalEvery: 0,
    });
    run.on('step', (e) => lrs.push(e.lr));
    await run.result;
    expect(lrs).toEqual([0.1, 0.1, 0.1, 0.01, 0.01]);
    model.dispose();
  });
});
