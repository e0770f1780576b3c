/**
 * Character-level GPT on the State of the Union addresses (227 documents joined with no separator,
 * 10.6 M characters), split 90/10 contiguously. Our configuration (no fixed target): 4 layers, 4 heads,
 * n_embd 128, block 128, batch 16, AdamW lr 1e-3 → 1e-4 cosine with 100 warmup steps, β2 0.99, weight decay
 * 0.1, grad clip 1, no dropout, 3000 steps. Reports the val loss and samples.
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/sotu-char-gpt.ts [--steps 3000] [--backend auto] [--out runs/sotu]
 */
import { generate } from '@makemore/models';
import { CharTokenizer } from '@makemore/tokenizers';
import { createTrainingData } from '@makemore/trainer';
import {
  dataset,
  nanoGptCharModel,
  nanoGptOptimization,
  readFlags,
  runReference,
  setUpBackend,
} from './_common';

async function main(): Promise<void> {
  const flags = readFlags();
  const backend = await setUpBackend(flags);
  const text = (await dataset('sotu')).text;
  const tokenizer = CharTokenizer.fromText(text);
  const steps = flags.steps ?? 3000;
  const blockSize = 128;
  const data = createTrainingData({
    kind: 'text',
    tokens: Uint16Array.from(tokenizer.encode(text)),
    split: 0.9,
    blockSize,
    info: { name: 'sotu' },
  });
  const model = nanoGptCharModel(tokenizer.vocabSize, blockSize, flags.seed);
  await runReference(
    'sotu-char-gpt',
    backend,
    flags,
    {
      model,
      data,
      ...nanoGptOptimization(model, steps),
      steps,
      batchSize: 16,
      gradClip: 1,
      evalEvery: flags.evalEvery ?? Math.max(1, Math.floor(steps / 6)),
      evalIters: 20,
      sampleEvery: steps,
      sample: (m, { seed }) => [
        tokenizer.decode(
          generate(m, { context: tokenizer.encode('Fellow citizens'), maxNewTokens: 400, seed }),
        ),
      ],
      seed: flags.seed,
      tokenizer: tokenizer.toJSON(),
    },
    200,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
