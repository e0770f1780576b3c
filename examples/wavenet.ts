/**
 * Reference run: the `wavenet` recipe, the lecture's WaveNet on names (makemore part 5, after van den Oord
 * et al. 2016): block 8, embedding 24, hidden 128, BatchNorm, batch 32, 200k SGD steps, lr 0.1 → 0.01 at
 * 150k. Target: dev loss ≤ 2.00 (the lecture reports val 1.993).
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/wavenet.ts [--steps 200000] [--backend auto] [--out runs/wavenet]
 */
import { main } from './_common';

main('wavenet');
