#!/usr/bin/env node
// Trains a run spec in Node with @makemore/run's prepareRun and the trainer's loop, and prints the JSON
// lines that `makemore train --json --log-every 1` prints: a `start` line with the settled spec and the
// split sizes, then one `step` line per step. The e2e tests compare them with the demo's worker. It
// stands in for the CLI until `makemore train --config` and `--resume` land (see same-run.mjs).
//
//   node e2e/node-run.mjs <spec.json> [--out DIR]         train, keeping the last checkpoint in DIR
//   node e2e/node-run.mjs --resume DIR [--steps M]        continue DIR/last/ (+ DIR/run.json), to M steps
//
// A checkpoint folder has the layout of `makemore train --out DIR`: DIR/run.json and DIR/last/{config.json,
// model.safetensors, optimizer.safetensors}, written and read with the trainer's checkpoint codec.
// Options: --backend NAME (default cpu). MAKEMORE_DATA_DIR names the datasets' folder.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useBestBackend } from '@makemore/backend/node';
import { loadDataset } from '@makemore/datasets/node';
import { planResume, prepareRun, resolveRunSpec, specOfSnapshot } from '@makemore/run';
import { tokenizerFromJSON } from '@makemore/tokenizers';
import { decodeCheckpoint, disposeSnapshot, encodeCheckpoint, train } from '@makemore/trainer';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', default: 'cpu' },
    out: { type: 'string' },
    resume: { type: 'string' },
    steps: { type: 'string' },
  },
});
const line = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);
const choice = await useBestBackend({ prefer: values.backend, onNotice: () => {} });

let spec;
let resume;
let tokenizer;
if (values.resume) {
  const dir = values.resume;
  const files = {};
  for (const name of readdirSync(join(dir, 'last')))
    files[name] = new Uint8Array(readFileSync(join(dir, 'last', name)));
  resume = decodeCheckpoint(files, join(dir, 'last'));
  const saved =
    specOfSnapshot(resume) ?? resolveRunSpec(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')));
  const steps = values.steps === undefined ? saved.training.steps : Number(values.steps);
  spec =
    steps === saved.training.steps ? saved : planResume(saved, { training: { steps } }, resume.step).spec;
  tokenizer = tokenizerFromJSON(resume.tokenizer);
} else {
  if (!positionals[0]) {
    console.error('usage: node e2e/node-run.mjs <spec.json> [--out DIR] | --resume DIR [--steps M]');
    process.exit(2);
  }
  spec = resolveRunSpec(JSON.parse(readFileSync(positionals[0], 'utf8')));
}

const run = prepareRun(spec, await loadDataset(spec.data.dataset), tokenizer ? { tokenizer } : {});
line({
  type: 'start',
  backend: choice.backend,
  step: resume?.step ?? 0,
  spec: run.spec,
  splitSizes: run.splitSizes,
});
const out = values.out;
const sink = out && {
  save(snapshot, slot) {
    if (slot !== 'last') return;
    mkdirSync(join(out, 'last'), { recursive: true });
    for (const [name, bytes] of Object.entries(encodeCheckpoint(snapshot)))
      writeFileSync(join(out, 'last', name), bytes);
    writeFileSync(join(out, 'run.json'), `${JSON.stringify(run.spec, null, 2)}\n`);
  },
};
const job = train(
  run.trainOptions({
    ...(sink ? { checkpoint: sink } : {}),
    ...(resume ? { resume } : {}),
  }),
);
job.on('step', (e) => line({ type: 'step', step: e.step, loss: e.loss, lr: e.lr }));
const result = await job.result;
line({ type: 'done', step: result.step, losses: result.losses });
if (resume) disposeSnapshot(resume);
run.dispose();
