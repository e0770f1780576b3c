/**
 * What durable checkpoints cost: `Checkpointer.save` with fsync of every file and folder (the default)
 * against the same save without fsync, on the lecture MLP (11,897 parameters, SGD) and the baby GPT
 * (block 256, nEmbd 128, 4 layers: 0.84 M parameters, AdamW: two moments per parameter). The two sides alternate, each best of N, in one
 * process, and the ratio is printed. Writes into the OS temp folder (use --dir to pick a disk).
 *
 *   pnpm --filter @makemore/trainer bench:fsync [-- --rounds 10 --dir /path/on/the/disk]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '@tensorflow/tfjs-backend-cpu';
import { createModel, type LanguageModel, type ModelConfig } from '@makemore/models';
import type { TrainingSnapshot } from '@makemore/trainer';
import { Checkpointer } from '@makemore/trainer/node';
import * as tf from '@tensorflow/tfjs-core';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '10' }, dir: { type: 'string' } },
});
const rounds = Number(values.rounds);

function snapshotOf(
  config: ModelConfig,
  adam: boolean,
): { snapshot: TrainingSnapshot; bytes: number; free: () => void } {
  const model = createModel(config) as LanguageModel;
  // The optimizer file as AdamW writes it after its first step: two moments per parameter (SGD: none).
  const tensors: Record<string, tf.Tensor> = {};
  if (adam) {
    for (const [name, p] of model.parameters()) {
      tensors[`exp_avg.${name}`] = tf.randomNormal(p.shape);
      tensors[`exp_avg_sq.${name}`] = tf.randomUniform(p.shape);
    }
  }
  const state = {
    config: { type: adam ? 'adamw' : 'sgd', lr: 1e-3 },
    step: 1,
    tensors,
  } as TrainingSnapshot['optimizer'];
  const weights = model.stateDict();
  const floats = [...Object.values(weights), ...Object.values(state.tensors)].reduce((n, t) => n + t.size, 0);
  return {
    snapshot: {
      model: config,
      trainer: { steps: 1, batchSize: 32, seed: 1, evalEvery: 1, evalIters: 1 },
      step: 1,
      bestDevLoss: null,
      rngState: [1, 2, 3, 4],
      weights,
      optimizer: state,
    },
    bytes: floats * 4,
    free: () => {
      tf.dispose(Object.values(state.tensors));
      model.dispose();
    },
  };
}

async function msPerSave(checkpointer: Checkpointer, snapshot: TrainingSnapshot): Promise<number> {
  const t0 = performance.now();
  await checkpointer.save(snapshot, 'last');
  return performance.now() - t0;
}

async function main() {
  await tf.setBackend('cpu');
  const root = mkdtempSync(join(values.dir ?? tmpdir(), 'fsync-bench-'));
  const cases: [string, ModelConfig, boolean][] = [
    ['lecture MLP, SGD', { type: 'mlp', vocabSize: 27, blockSize: 3, nEmbd: 10, nHidden: 200 }, false],
    [
      'baby GPT, AdamW',
      { type: 'transformer', vocabSize: 65, blockSize: 256, nEmbd: 128, nLayer: 4, nHead: 4 },
      true,
    ],
  ];
  console.log(`Checkpointer.save, best of ${rounds} (alternating), ${root}`);
  console.log('case                 files     no fsync   fsync     ratio');
  try {
    for (const [name, config, adam] of cases) {
      const { snapshot, bytes, free } = snapshotOf(config, adam);
      const durable = new Checkpointer(join(root, `${name}-durable`));
      const fast = new Checkpointer(join(root, `${name}-fast`), { durable: false });
      await durable.save(snapshot, 'last');
      await fast.save(snapshot, 'last');
      let bestDurable = Number.POSITIVE_INFINITY;
      let bestFast = Number.POSITIVE_INFINITY;
      for (let r = 0; r < rounds; r++) {
        // Alternate which side goes first, so neither always follows the other's page-cache writeback.
        if (r % 2 === 0) {
          bestFast = Math.min(bestFast, await msPerSave(fast, snapshot));
          bestDurable = Math.min(bestDurable, await msPerSave(durable, snapshot));
        } else {
          bestDurable = Math.min(bestDurable, await msPerSave(durable, snapshot));
          bestFast = Math.min(bestFast, await msPerSave(fast, snapshot));
        }
      }
      free();
      console.log(
        `${name.padEnd(20)} ${`${(bytes / 1e6).toFixed(2)} MB`.padStart(8)} ${`${bestFast.toFixed(1)} ms`.padStart(10)} ${`${bestDurable.toFixed(1)} ms`.padStart(9)} ${`${(bestDurable / bestFast).toFixed(2)}x`.padStart(8)}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
