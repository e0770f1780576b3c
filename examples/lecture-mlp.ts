/**
 * Reference run: the `lecture-mlp` recipe, the makemore lecture's MLP on names (Bengio et al. 2003;
 * makemore part 2): block 3, embedding 10, hidden 200, 80/10/10 split, batch 32, SGD 0.1 → 0.01.
 * The recipe runs 15,000 steps (dev ≈ 2.21); the lecture's 200,000 steps (target dev ≤ 2.17) are
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/lecture-mlp.ts --steps 200000 --set 'schedule.milestones=[100000]'
 */
import { main } from './_common';

main('lecture-mlp');
