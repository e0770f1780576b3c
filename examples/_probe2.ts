import { useBestBackend } from '@makemore/backend/node';
import { createModel, type LanguageModel } from '@makemore/models';
import { Rng } from '@makemore/random';
import * as tf from '../packages/trainer/node_modules/@tensorflow/tfjs-core';
import { Checkpointer } from '@makemore/trainer/node';

async function main() {
  await useBestBackend({ prefer: process.argv[2] ?? 'wasm', onNotice: () => {} });
  const snap = await new Checkpointer('/tmp/runs/lecture-mlp').load('last');
  const model = createModel(snap.model) as LanguageModel;
  model.setTraining(false);
  const rng = new Rng(5);
  const x = tf.tensor2d(
    Int32Array.from({ length: 3 * 700 }, () => rng.int(27)),
    [700, 3],
    'int32',
  );
  const y = tf.tensor1d(
    Int32Array.from({ length: 700 }, () => rng.int(27)),
    'int32',
  );
  console.log(tf.getBackend(), 'fresh', (await model.loss(x, y).data())[0]);
  model.loadStateDict(snap.weights);
  console.log('loaded', (await model.loss(x, y).data())[0]);
  const lg = model.forward(x);
  console.log('logits', Array.from((await lg.data()).slice(0, 3)));
  const w = snap.weights['wte.weight']!;
  console.log('w', w.dtype, w.shape, Array.from((await w.data()).slice(0, 3)));
  const p = model.parameters().get('wte.weight')!;
  console.log('p', Array.from((await p.data()).slice(0, 3)));
  const h = model.parameters().get('mlp.0.weight')!;
  console.log(
    'h',
    h.shape,
    Array.from((await h.data()).slice(0, 3)),
    Array.from((await snap.weights['mlp.0.weight']!.data()).slice(0, 3)),
  );
}
main();
