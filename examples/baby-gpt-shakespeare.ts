/**
 * Reference run: the `nanogpt-baby` recipe, nanoGPT's CPU "baby GPT" on tiny Shakespeare (characters):
 * 4 layers, 4 heads, n_embd 128, block 64, batch 12, 2000 iters, AdamW lr 1e-3 with 100 warmup steps and
 * cosine decay to 1e-4, β2 0.99, weight decay 0.1, grad clip 1.0, no dropout, no biases, tied embeddings,
 * GPT-2 init. Target: val loss ≤ 1.90 (nanoGPT's README reports ≈ 1.88). The same run as
 * `makemore train --preset nanogpt-baby`.
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/baby-gpt-shakespeare.ts [--steps 2000] [--backend auto] [--out runs/baby-gpt]
 */
import { main } from './_common';

main('nanogpt-baby', 200);
