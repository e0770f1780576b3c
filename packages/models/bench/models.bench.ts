/**
 * Benchmarks for @makemore/models (run: `pnpm --filter @makemore/models bench`, after a build).
 *
 * 1. Cross-entropy: the three implementations (fused custom gradient, one-hot, gather), forward +
 *    backward, on the cpu and wasm backends.
 * 2. Training steps per second (Adam) for the lecture MLP and makemore's default Transformer.
 * Figures are printed; compare ratios within one run (the machine is shared).
 */
import '@tensorflow/tfjs-backend-cpu';
import { useBestBackend } from '@makemore/backend/node';
import { type CrossEntropyMethod, createModel, crossEntropy, type LanguageModel } from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';

function timeIt(fn: () => void, minMs = 400, warmup = 3): number {
  for (let i = 0; i < warmup; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return (performance.now() - t0) / n;
}

function benchCrossEntropy(backend: string): void {
  for (const [N, V] of [
    [512, 27],
    [768, 65],
    [4096, 27],
  ] as const) {
    const logits = tf.randomNormal([N, V]);
    const targets = tf.randomUniform([N], 0, V, 'int32');
    const row: string[] = [];
    for (const method of ['fused', 'one-hot', 'gather'] as CrossEntropyMethod[]) {
      const g = tf.grad((x: tf.Tensor) => crossEntropy(x, targets, { method }));
      const ms = timeIt(() => tf.tidy(() => g(logits).dataSync()));
      row.push(`${method} ${ms.toFixed(3)} ms`);
    }
    console.log(`  cross-entropy fwd+bwd [${N}, ${V}] on ${backend}: ${row.join(' | ')}`);
    tf.dispose([logits, targets]);
  }
}

function benchTraining(
  backend: string,
  name: string,
  model: LanguageModel,
  batch: number,
  minMs: number,
): void {
  const shape = model.inputKind === 'window' ? [batch, model.blockSize] : [batch, model.blockSize];
  const idx = tf.randomUniform(shape, 0, model.vocabSize, 'int32');
  const tgt = tf.randomUniform(model.inputKind === 'window' ? [batch] : shape, 0, model.vocabSize, 'int32');
  const opt = tf.train.adam(1e-3);
  const vars = [...model.parameters().values()];
  const ms = timeIt(
    () => {
      const loss = opt.minimize(() => model.loss(idx, tgt), true, vars);
      loss?.dataSync();
      loss?.dispose();
    },
    minMs,
    2,
  );
  console.log(
    `  ${name} (${model.numParams()} params, batch ${batch}) on ${backend}: ${ms.toFixed(1)} ms/step, ${(1000 / ms).toFixed(1)} steps/s`,
  );
  opt.dispose();
  tf.dispose([idx, tgt]);
  model.dispose();
}

async function main(): Promise<void> {
  await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    console.log(`backend ${backend}`);
    benchCrossEntropy(backend);
    benchTraining(
      backend,
      'MLP lecture (block 3, 10-dim, 200 hidden)',
      createModel({ type: 'mlp', vocabSize: 27, blockSize: 3 }),
      32,
      1500,
    );
    benchTraining(
      backend,
      'Transformer makemore default (4L 4H 64d, block 16)',
      createModel({ type: 'transformer', vocabSize: 27, blockSize: 16 }),
      32,
      backend === 'cpu' ? 3000 : 2000,
    );
  }
}

await main();
