/**
 * Benchmark of the sequence models (RNN, GRU, LSTM, BoW, WaveNet): kernels dispatched and milliseconds
 * per Adam training step, on the cpu and the repaired wasm backends.
 *
 * Configs are makemore.py's defaults on names (vocab 27, block 16, n_embd 64, n_embd2 64, batch 32) and
 * the lecture's WaveNet (block 8, embedding 24, hidden 128, batch 32).
 *
 * Run (after `pnpm --filter @makemore/models build`): cd packages/models && npx tsx scripts/bench-sequence.ts [steps]
 */
import '@tensorflow/tfjs-backend-cpu';
import { useBestBackend } from '@makemore/backend/node';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
// The built entry: tsup inlines tfjs-core's gradient registrations, which Node cannot import from source.
import { sequenceModelFactories } from '../dist/index.js';
import type { ModelConfig } from '../src/types';

const steps = Number(process.argv[2] ?? 20);
const makemore = { vocabSize: 27, blockSize: 16, nEmbd: 64, nEmbd2: 64 };
const configs: ModelConfig[] = [
  { type: 'rnn', ...makemore },
  { type: 'gru', ...makemore },
  { type: 'lstm', ...makemore },
  { type: 'bow', ...makemore },
  { type: 'wavenet', vocabSize: 27, blockSize: 8, nEmbd: 24, nHidden: 128 },
];

function batch(config: ModelConfig, size: number): [tf.Tensor, tf.Tensor] {
  const rng = new Rng(0);
  const ids = (n: number) => Array.from({ length: n }, () => rng.int(config.vocabSize));
  const t = config.blockSize;
  if (config.type === 'wavenet') {
    return [tf.tensor(ids(size * t), [size, t], 'int32'), tf.tensor(ids(size), [size], 'int32')];
  }
  return [tf.tensor(ids(size * t), [size, t], 'int32'), tf.tensor(ids(size * t), [size, t], 'int32')];
}

async function measure(config: ModelConfig) {
  const model = sequenceModelFactories[config.type]!(config);
  const [idx, targets] = batch(config, 32);
  const optimizer = tf.train.adam(1e-3);
  const vars = [...model.parameters().values()];
  const step = () => optimizer.minimize(() => model.loss(idx, targets), false, vars);
  step(); // warm-up: optimizer state, kernel set-up
  const forwardKernels = (await tf.profile(() => model.forward(idx))).kernels.length;
  const stepKernels = (await tf.profile(() => step())).kernels.length;
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) step();
  const loss = tf.tidy(() => model.loss(idx, targets).dataSync()[0] as number);
  const ms = (performance.now() - t0) / steps;
  optimizer.dispose();
  tf.dispose([idx, targets]);
  const params = model.numParams();
  model.dispose();
  return { params, forwardKernels, stepKernels, ms, loss };
}

async function main() {
  await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
  console.log(`sequence models, batch 32, ${steps} Adam steps each`);
  console.log('backend  model    params  fwd kernels  step kernels  ms/step');
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    for (const config of configs) {
      const r = await measure(config);
      console.log(
        `${backend.padEnd(8)} ${config.type.padEnd(8)} ${String(r.params).padStart(6)}  ${String(r.forwardKernels).padStart(11)}  ${String(r.stepKernels).padStart(12)}  ${r.ms.toFixed(1).padStart(7)}`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
