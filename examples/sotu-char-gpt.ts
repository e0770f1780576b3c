/**
 * The `sotu-gpt` recipe: a character-level GPT on the State of the Union addresses (227 documents joined
 * in order, 10.6 M characters), split 90/10 contiguously. Our configuration (no published target):
 * 4 layers, 4 heads, n_embd 128, block 128, batch 16, nanoGPT's optimisation, 3000 steps.
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/sotu-char-gpt.ts [--steps 3000] [--backend auto] [--out runs/sotu]
 */
import { main } from './_common';

main('sotu-gpt', 200);
