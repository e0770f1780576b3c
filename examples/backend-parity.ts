/**
 * Backend parity check: trains the lecture MLP and WaveNet for 30 steps on names with each backend and
 * compares the loss curves. They should agree to about 1e-4; a backend whose kernel is wrong shows up
 * here at once (this is how a broken wasm _FusedMatMul with bias + transposeB was caught: it trained,
 * but to a function the cpu backend could not reproduce).
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/backend-parity.ts [--backends cpu,wasm]
 */
import { parseArgs } from 'node:util';
import { useBestBackend } from '@makemore/backend/node';
import { loadDataset } from '@makemore/datasets/node';
import { createModel, type LanguageModel, type ModelConfig } from '@makemore/models';
import { CharTokenizer } from '@makemore/tokenizers';
import { createTrainingData, SGD, train } from '@makemore/trainer';

const MODELS: Record<string, ModelConfig> = {
  mlp: { type: 'mlp', vocabSize: 27, blockSize: 3, nEmbd: 10, nHidden: 200, seed: 1 },
  wavenet: {
    type: 'wavenet',
    vocabSize: 27,
    blockSize: 8,
    nEmbd: 24,
    nHidden: 128,
    batchNorm: true,
    seed: 1,
  },
};

async function curve(config: ModelConfig, names: string[], tokenizer: CharTokenizer): Promise<number[]> {
  const data = createTrainingData({
    kind: 'words',
    words: names,
    seed: 42,
    tokenizer,
    inputKind: 'window',
    blockSize: config.blockSize,
  });
  const model = createModel(config) as LanguageModel;
  const losses: number[] = [];
  const run = train({
    model,
    data,
    optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    steps: 30,
    batchSize: 32,
    evalEvery: 30,
    evalSplits: ['dev'],
  });
  run.on('step', (e) => losses.push(e.loss));
  run.on('eval', (e) => losses.push(e.losses.dev as number));
  await run.result;
  model.dispose();
  return losses;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { backends: { type: 'string', default: 'cpu,wasm' } } });
  const backends = String(values.backends).split(',');
  const names = ((await loadDataset('names')).words ?? []).slice(0, 3000);
  const tokenizer = CharTokenizer.fromText(names.join(''), { specialTokens: ['.'] });
  let worst = 0;
  for (const [name, config] of Object.entries(MODELS)) {
    const curves: Record<string, number[]> = {};
    for (const backend of backends) {
      await useBestBackend({ prefer: backend, onNotice: () => {} });
      curves[backend] = await curve(config, names, tokenizer);
    }
    const reference = curves[backends[0] as string] as number[];
    for (const backend of backends.slice(1)) {
      const diff = Math.max(
        ...(curves[backend] as number[]).map((v, i) => Math.abs(v - (reference[i] as number))),
      );
      worst = Math.max(worst, diff);
      console.log(
        `${name}: ${backend} vs ${backends[0]}: max |Δloss| over 30 steps + dev = ${diff.toExponential(2)}`,
      );
    }
  }
  console.log(worst < 1e-3 ? 'backends agree' : 'BACKENDS DISAGREE: a kernel is wrong');
  process.exit(worst < 1e-3 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
