#!/usr/bin/env node
// The Node side of the fine-tune check: the loss of a run's first step when it starts from given Hugging
// Face GPT-2 weights, and when the same spec starts from a fresh initialisation instead. The first step's
// loss is measured before any update, so it is the starting weights' loss on the run's first batch: the
// demo's first fine-tune loss must equal `init` and differ from `fresh` (a run that forgot to load the
// weights would show `fresh`).
//
//   node e2e/fine-tune-reference.mjs <spec.json> <model.safetensors> <config.json>
//
// The spec is the settled spec the demo's worker ran (with `initFrom`). Prints one JSON line
// `{"init": x, "fresh": y}`. Runs on the deterministic cpu backend; MAKEMORE_DATA_DIR names the datasets.
import { readFileSync } from 'node:fs';
import { useBestBackend } from '@makemore/backend/node';
import { loadDataset } from '@makemore/datasets/node';
import { hfGpt2FromSafetensors } from '@makemore/models';
import { prepareRun, resolveRunSpec } from '@makemore/run';
import { getEncoding } from '@makemore/tokenizers';
import { train } from '@makemore/trainer';
import * as tf from '@tensorflow/tfjs-core';

const [specPath, weightsPath, configPath] = process.argv.slice(2);
if (!specPath || !weightsPath || !configPath) {
  console.error('usage: node e2e/fine-tune-reference.mjs <spec.json> <model.safetensors> <config.json>');
  process.exit(2);
}
await useBestBackend({ prefer: 'cpu', onNotice: () => {} });

const spec = resolveRunSpec(JSON.parse(readFileSync(specPath, 'utf8')));
const dataset = await loadDataset(spec.data.dataset);
const tokenizer = await getEncoding('r50k_base');
const converted = hfGpt2FromSafetensors(
  new Uint8Array(readFileSync(weightsPath)),
  JSON.parse(readFileSync(configPath, 'utf8')),
);

/** The loss of the first step of `spec` prepared with `options`. */
async function firstLoss(options) {
  // One step, and one batch for the evaluation that follows it (which does not change the step's loss).
  const short = { ...spec, training: { ...spec.training, steps: 1 }, eval: { ...spec.eval, iters: 1 } };
  const run = prepareRun(short, dataset, options);
  try {
    const job = train(run.trainOptions({ steps: 1 }));
    let loss = Number.NaN;
    job.on('step', (e) => {
      if (e.step === 1) loss = e.loss;
    });
    await job.result;
    return loss;
  } finally {
    run.dispose();
  }
}

const weights = Object.fromEntries(
  Object.entries(converted.weights).map(([k, t]) => [k, tf.tensor(t.data, t.shape, 'float32')]),
);
const init = await firstLoss({
  init: { from: spec.initFrom, model: converted.config, tokenizer, weights },
});
tf.dispose(Object.values(weights));
const fresh = await firstLoss({ tokenizer });
process.stdout.write(`${JSON.stringify({ init, fresh })}\n`);
