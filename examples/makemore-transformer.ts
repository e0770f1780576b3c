/**
 * Reference run: makemore.py's default transformer on names.
 * 4 layers, 4 heads, embedding 64, AdamW lr 5e-4 (weight decay 0.01, β 0.9/0.99, ε 1e-8), batch 32,
 * block = longest name + 1, makemore.py's split (test = min(1000, 10 %)). Target: test loss ≤ 1.95.
 *
 * makemore.py trains at a constant rate with no dropout until stopped; that recipe overfits 31k names and
 * levels off near test 1.96–1.97 (here and in bench/pytorch/makemore_transformer_loss.py). By default this
 * script adds the two changes that reach the target: dropout 0.1, and a cosine tail that anneals the rate to
 * a tenth over the last 30 % of 20,000 steps. `--dropout 0 --decay-tail 0` is makemore.py's recipe exactly.
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/makemore-transformer.ts [--steps 20000] [--out runs/mm-transformer]
 *   ... --dropout 0 --decay-tail 0          (makemore.py's recipe)
 *   ... --resume runs/mm-transformer --out runs/mm-transformer   (continue a stopped run)
 */
import { splitWords } from '@makemore/datasets';
import { createModel, generate, type LanguageModel } from '@makemore/models';
import { CharTokenizer } from '@makemore/tokenizers';
import { AdamW, createTrainingData } from '@makemore/trainer';
import { constantThenDecay, dataset, readFlags, runReference, setUpBackend } from './_common';

async function main(): Promise<void> {
  const flags = readFlags();
  const backend = await setUpBackend(flags);
  const names = (await dataset('names')).words ?? [];
  const tokenizer = CharTokenizer.fromText(names.join(''), { specialTokens: ['.'] });
  const blockSize = Math.max(...names.map((w) => w.length)) + 1;
  const { train: trainWords, test } = splitWords(names, { seed: flags.seed, rule: 'makemore' });
  const data = createTrainingData({
    kind: 'words',
    splits: { train: trainWords, test },
    evalSplit: 'test',
    tokenizer,
    inputKind: 'sequence',
    blockSize,
    info: { name: 'names', rule: 'makemore' },
  });
  const model = createModel({
    type: 'transformer',
    vocabSize: tokenizer.vocabSize,
    blockSize,
    nLayer: 4,
    nHead: 4,
    nEmbd: 64,
    dropout: flags.dropout ?? 0.1,
    seed: flags.seed,
  }) as LanguageModel;
  const steps = flags.steps ?? 20_000;
  await runReference('makemore-transformer', backend, flags, {
    model,
    data,
    optimizer: new AdamW(model.parameters(), { lr: 5e-4, weightDecay: 0.01, betas: [0.9, 0.99], eps: 1e-8 }),
    schedule: constantThenDecay(5e-4, steps, flags.decayTail ?? Math.round(0.3 * steps)),
    steps,
    batchSize: 32,
    evalEvery: flags.evalEvery ?? Math.max(1, Math.floor(steps / 20)),
    evalIters: 10,
    evalBatchSize: 100,
    sampleEvery: steps,
    sample: (m, { seed }) =>
      Array.from({ length: 10 }, (_, i) =>
        tokenizer.decode(
          generate(m, { context: [0], maxNewTokens: blockSize, stopToken: 0, seed: seed + i }),
        ),
      ),
    seed: flags.seed,
    tokenizer: tokenizer.toJSON(),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
