/**
 * Trainer benchmarks: how fast the parts run, per backend. Prints a table; no assertions.
 * - trainStep on the lecture MLP (block 3, embedding 10, hidden 200, batch 32, SGD);
 * - the same through train() (the loop's own cost: batching, events, yielding);
 * - AdamW.step alone on the baby GPT's parameter shapes (804,096 parameters; nanoGPT's count without the
 *   position embeddings is 795,904).
 *
 *   pnpm --filter @makemore/trainer bench [-- --backends wasm,cpu --steps 300]
 *
 * CommonJS (bench/package.json has no "type") on purpose: run from source, tfjs-core's gradient files need tsx's CommonJS loader.
 */
import { parseArgs } from 'node:util';
import { useBestBackend } from '@makemore/backend/node';
import { createModel, type LanguageModel } from '@makemore/models';
import { Rng } from '@makemore/random';
import { AdamW, createTrainingData, SGD, train, trainStep } from '@makemore/trainer';
import * as tf from '@tensorflow/tfjs-core';

const { values } = parseArgs({
  options: { backends: { type: 'string', default: 'wasm,cpu' }, steps: { type: 'string', default: '300' } },
});
const steps = Number(values.steps);
const letters = 'abcdefghijklmnopqrstuvwxyz';
const tokenizer = {
  vocabSize: 27,
  encode: (w: string) => [...w].map((c) => letters.indexOf(c) + 1),
  decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => (i === 0 ? '.' : letters[i - 1])).join(''),
};
const rng = new Rng(1);
const words = Array.from({ length: 5000 }, () =>
  Array.from({ length: 3 + rng.int(6) }, () => letters[rng.int(26)]).join(''),
);

async function mlpStepsPerSec(viaLoop: boolean): Promise<number> {
  const data = createTrainingData({ kind: 'words', words, tokenizer, inputKind: 'window', blockSize: 3 });
  const model = createModel({
    type: 'mlp',
    vocabSize: 27,
    blockSize: 3,
    nEmbd: 10,
    nHidden: 200,
  }) as LanguageModel;
  const optimizer = new SGD(model.parameters(), { lr: 0.1 });
  const warm = data.batch('train', 32, rng);
  for (let i = 0; i < 20; i++) await trainStep(model, optimizer, warm);
  tf.dispose([warm.x, warm.y]);
  const t0 = performance.now();
  if (viaLoop) {
    await train({ model, data, optimizer, steps, batchSize: 32, evalEvery: 0, evalSplits: [] }).result;
  } else {
    const r = new Rng(2);
    for (let i = 0; i < steps; i++) {
      const b = data.batch('train', 32, r);
      await trainStep(model, optimizer, b, { lr: 0.1 });
      tf.dispose([b.x, b.y]);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  return steps / seconds;
}

async function adamwMsPerStep(): Promise<number> {
  const model = createModel({
    type: 'transformer',
    vocabSize: 65,
    blockSize: 64,
    nLayer: 4,
    nHead: 4,
    nEmbd: 128,
    bias: false,
    tieWeights: true,
  }) as LanguageModel;
  const params = model.parameters();
  const grads = new Map([...params].map(([k, v]) => [k, tf.mul(tf.onesLike(v), 0.01)]));
  const opt = new AdamW(params, { lr: 1e-3 });
  opt.step(grads);
  const n = 20;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) opt.step(grads);
  await params.values().next().value?.data();
  const ms = (performance.now() - t0) / n;
  console.log(`  (baby GPT: ${model.numParams().toLocaleString()} parameters)`);
  tf.dispose([...grads.values()]);
  opt.dispose();
  model.dispose();
  return ms;
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const backend of String(values.backends).split(',')) {
    await useBestBackend({ prefer: backend, onNotice: () => {} });
    const bare = await mlpStepsPerSec(false);
    const loop = await mlpStepsPerSec(true);
    const adamw = await adamwMsPerStep();
    rows.push(`| ${tf.getBackend()} | ${bare.toFixed(0)} | ${loop.toFixed(0)} | ${adamw.toFixed(1)} |`);
  }
  console.log(`\ntrainer bench (${steps} steps each; figures vary ±20-30 % on a shared machine)\n`);
  console.log('| backend | MLP trainStep steps/s | MLP train() steps/s | AdamW.step ms (baby GPT) |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
