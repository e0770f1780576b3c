/**
 * Character-level GPT on the State of the Union addresses (227 documents joined with no separator,
 * 10.6 M characters), split 90/10 contiguously. Our configuration (no fixed target): 4 layers, 4 heads,
 * n_embd 128, block 128, batch 16, AdamW lr 1e-3 → 1e-4 cosine with 100 warmup steps, β2 0.99, weight decay
 * 0.1, grad clip 1, no dropout, 3000 steps. Reports the val loss and samples.
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/sotu-char-gpt.ts [--steps 3000] [--backend auto] [--out runs/sotu]
 */
import { createModel, generate, type LanguageModel } from '@makemore/models';
import { CharTokenizer } from '@makemore/tokenizers';
import { AdamW, cosineWithWarmup, createTrainingData } from '@makemore/trainer';
import { dataset, readFlags, runReference, setUpBackend } from './_common';

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
  const model = createModel({
    type: 'transformer',
    vocabSize: tokenizer.vocabSize,
    blockSize,
    nLayer: 4,
    nHead: 4,
    nEmbd: 128,
    dropout: 0,
    bias: false,
    tieWeights: true,
    gelu: 'erf',
    init: 'gpt2',
    seed: flags.seed,
  }) as LanguageModel;
  await runReference(
    'sotu-char-gpt',
    backend,
    flags,
    {
      model,
      data,
      optimizer: new AdamW(model.parameters(), { lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0.1 }),
      schedule: cosineWithWarmup({
        maxLr: 1e-3,
        minLr: 1e-4,
        warmupSteps: Math.min(100, steps - 1),
        decaySteps: steps,
      }),
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
