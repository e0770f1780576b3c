/**
 * Reference run: the lecture's WaveNet on names (makemore part 5, after van den Oord et al. 2016).
 * block 8, embedding 24, hidden 128, BatchNorm, batch 32, 200k SGD steps, lr 0.1 → 0.01 at 150k.
 * Target: dev loss ≤ 2.00 (the lecture reports ≈ 1.99).
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/wavenet.ts [--steps 200000] [--backend auto] [--out runs/wavenet]
 *
 * With --steps N the decay happens at 3N/4.
 */
import { createModel, type LanguageModel } from '@makemore/models';
import { SGD, stepDecay } from '@makemore/trainer';
import { namesWindows, readFlags, runReference, setUpBackend } from './_common';

async function main(): Promise<void> {
  const flags = readFlags();
  const backend = await setUpBackend(flags);
  const { tokenizer, data } = await namesWindows(flags, 8);
  const steps = flags.steps ?? 200_000;
  const model = createModel({
    type: 'wavenet',
    vocabSize: tokenizer.vocabSize,
    blockSize: 8,
    nEmbd: 24,
    nHidden: 128,
    batchNorm: true,
    inputKind: 'window',
    seed: flags.seed,
  }) as LanguageModel;
  await runReference('wavenet', backend, flags, {
    model,
    data,
    optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    schedule: stepDecay({ values: [0.1, 0.01], boundaries: [Math.floor((steps * 3) / 4)] }),
    steps,
    batchSize: 32,
    evalEvery: flags.evalEvery ?? Math.max(1, Math.floor(steps / 10)),
    evalSplits: ['dev'],
    seed: flags.seed,
    tokenizer: tokenizer.toJSON(),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
