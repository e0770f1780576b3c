/** Per-kernel time of one training step (dev aid): `npx tsx bench/profile.ts [backend] [type]`. */
import '@tensorflow/tfjs-backend-cpu';
import { useBestBackend } from '@makemore/backend/node';
import { createModel, type LanguageModel } from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';

const backend = process.argv[2] ?? 'wasm';
const type = process.argv[3] ?? 'transformer';
await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
await tf.setBackend(backend);
const model = createModel(
  type === 'mlp'
    ? { type: 'mlp', vocabSize: 27, blockSize: 3 }
    : { type: 'transformer', vocabSize: 27, blockSize: 16 },
) as LanguageModel;
const shape = model.inputKind === 'window' ? [32, model.blockSize] : [32, model.blockSize];
const idx = tf.randomUniform(shape, 0, 27, 'int32');
const tgt = tf.randomUniform(model.inputKind === 'window' ? [32] : shape, 0, 27, 'int32');
const opt = tf.train.adam(1e-3);
const vars = [...model.parameters().values()];
const step = () => {
  const l = opt.minimize(() => model.loss(idx, tgt), true, vars);
  l?.dataSync();
  l?.dispose();
};
for (let i = 0; i < 3; i++) step();
const info = await tf.profile(step);
const byKernel = new Map<string, { n: number; ms: number }>();
for (const k of info.kernels) {
  const e = byKernel.get(k.name) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  byKernel.set(k.name, e);
}
const rows = [...byKernel].sort((a, b) => b[1].ms - a[1].ms);
console.log(`${backend} ${type}: ${info.kernels.length} kernels`);
for (const [name, e] of rows.slice(0, 25))
  console.log(`  ${name.padEnd(22)} ${String(e.n).padStart(4)} ${e.ms.toFixed(1).padStart(8)} ms`);
