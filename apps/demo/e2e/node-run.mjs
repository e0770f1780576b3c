#!/usr/bin/env node
// Trains a run spec in Node with @makemore/run's prepareRun and the trainer's loop, and prints the JSON
// lines that `makemore train --json --log-every 1` prints: a `start` line with the settled spec and the
// split sizes, then one `step` line per step. The same-run e2e test compares them with the demo's worker.
// It stands in for the CLI until `makemore train --config` lands (see same-run.mjs).
//
//   node e2e/node-run.mjs <spec.json> [backend]      (MAKEMORE_DATA_DIR names the datasets' folder)
import { readFileSync } from 'node:fs';
import { useBestBackend } from '@makemore/backend/node';
import { loadDataset } from '@makemore/datasets/node';
import { prepareRun, resolveRunSpec } from '@makemore/run';
import { train } from '@makemore/trainer';

const [specPath, backend = 'cpu'] = process.argv.slice(2);
if (!specPath) {
  console.error('usage: node e2e/node-run.mjs <spec.json> [backend]');
  process.exit(2);
}
const spec = resolveRunSpec(JSON.parse(readFileSync(specPath, 'utf8')));
const choice = await useBestBackend({ prefer: backend, onNotice: () => {} });
const run = prepareRun(spec, await loadDataset(spec.data.dataset));
const line = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);
line({ type: 'start', backend: choice.backend, spec: run.spec, splitSizes: run.splitSizes });
const job = train(run.trainOptions());
job.on('step', (e) => line({ type: 'step', step: e.step, loss: e.loss, lr: e.lr }));
const result = await job.result;
line({ type: 'done', step: result.step, losses: result.losses });
run.dispose();
