/**
 * Reference run: nanoGPT's CPU "baby GPT" on tiny Shakespeare (characters).
 * 4 layers, 4 heads, n_embd 128, block 64, batch 12, 2000 iters, AdamW lr 1e-3 with 100 warmup steps and
 * cosine decay to 1e-4, β2 0.99, weight decay 0.1, grad clip 1.0, no dropout, no biases, tied embeddings,
 * GPT-2 init. Target: val loss ≤ 1.90 (nanoGPT's README reports ≈ 1.88).
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/baby-gpt-shakespeare.ts [--steps 2000] [--backend auto] [--out runs/baby-gpt]
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
  const text = (await dataset('shakespeare')).text;
  const tokenizer = CharTokenizer.fromText(text);
  const steps = flags.steps ?? 2000;
  const data = createTrainingData({
    kind: 'text',
    tokens: tokenizer.encode(text),
    split: 0.9,
    blockSize: 64,
    info: { name: 'shakespeare' },
  });
  const model = nanoGptCharModel(tokenizer.vocabSize, 64, flags.seed);
  await runReference(
    'baby-gpt-shakespeare',
    backend,
    flags,
    {
      model,
      data,
      ...nanoGptOptimization(model, steps),
      steps,
      batchSize: 12,
      gradClip: 1,
      evalEvery: flags.evalEvery ?? Math.max(1, Math.floor(steps / 8)),
      evalIters: 20,
      sampleEvery: steps,
      sample: (m, { seed }) => [
        tokenizer.decode(generate(m, { context: tokenizer.encode('\n'), maxNewTokens: 300, seed })),
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
