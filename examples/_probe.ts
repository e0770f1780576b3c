// cpu vs wasm: the same 30 training steps must give (nearly) the same losses.
import { useBestBackend } from '@makemore/backend/node';
import { loadDataset } from '@makemore/datasets/node';
import { createModel, type LanguageModel } from '@makemore/models';
import { CharTokenizer } from '@makemore/tokenizers';
import { createTrainingData, SGD, train } from '@makemore/trainer';

async function main() {
  await useBestBackend({ prefer: process.argv[2] ?? 'wasm', onNotice: () => {} });
  const names = (await loadDataset('names')).words ?? [];
  const tokenizer = CharTokenizer.fromText(names.join(''), { specialTokens: ['.'] });
  const type = process.argv[3] ?? 'mlp';
  const data = createTrainingData({
    kind: 'words',
    words: names.slice(0, 3000),
    seed: 42,
    tokenizer,
    inputKind: 'window',
    blockSize: type === 'mlp' ? 3 : 8,
  });
  const model = createModel(
    type === 'mlp'
      ? { type: 'mlp', vocabSize: 27, blockSize: 3, nEmbd: 10, nHidden: 200, seed: 1 }
      : { type: 'wavenet', vocabSize: 27, blockSize: 8, nEmbd: 24, nHidden: 128, batchNorm: true, seed: 1 },
  ) as LanguageModel;
  const losses: string[] = [];
  const run = train({
    model,
    data,
    optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    steps: 30,
    batchSize: 32,
    evalEvery: 30,
    evalSplits: ['dev'],
  });
  run.on('step', (e) => {
    if (e.step % 5 === 0) losses.push(e.loss.toFixed(5));
  });
  run.on('eval', (e) => losses.push(`dev ${e.losses.dev!.toFixed(5)}`));
  await run.result;
  console.log(process.argv[2], type, losses.join(' '));
}
main();
