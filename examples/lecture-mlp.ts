/**
 * Reference run: the makemore lecture's MLP on names (Bengio et al. 2003; makemore part 2).
 * block 3, embedding 10, hidden 200, 80/10/10 split, batch 32, 200k SGD steps, lr 0.1 → 0.01 at 100k.
 * Target: dev loss ≤ 2.17.
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/lecture-mlp.ts [--steps 200000] [--backend auto] [--out runs/lecture-mlp]
 *
 * With --steps N the decay happens at N/2, keeping the schedule's shape.
 */
import { createModel, type LanguageModel } from '@makemore/models';
import { SGD, stepDecay } from '@makemore/trainer';
import { namesWindows, readFlags, runReference, setUpBackend } from './_common';

async function main(): Promise<void> {
  const flags = readFlags();
  const backend = await setUpBackend(flags);
  const { tokenizer, data } = await namesWindows(flags, 3);
  const steps = flags.steps ?? 200_000;
  const model = createModel({
    type: 'mlp',
    vocabSize: tokenizer.vocabSize,
    blockSize: 3,
    nEmbd: 10,
    nHidden: 200,
    inputKind: 'window',
    seed: flags.seed,
  }) as LanguageModel;
  await runReference('lecture-mlp', backend, flags, {
    model,
    data,
    optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    schedule: stepDecay({ values: [0.1, 0.01], boundaries: [Math.floor(steps / 2)] }),
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
