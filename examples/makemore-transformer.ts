/**
 * Reference run: the `makemore-transformer` recipe, makemore.py's default transformer on names: 4 layers,
 * 4 heads, embedding 64, AdamW lr 5e-4 (weight decay 0.01 on every parameter, β 0.9/0.99, ε 1e-8), batch 32,
 * block = longest name + 1, makemore.py's split (test = min(1000, 10 %)), 20,000 steps.
 *
 * makemore.py trains at a constant rate with no dropout until stopped; that recipe overfits 31k names and
 * levels off near test 1.96–1.97 (here and in bench/pytorch/makemore_transformer_loss.py). Dropout helps:
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/makemore-transformer.ts [--steps 20000] [--out runs/mm-transformer]
 *   ... --set model.dropout=0.1
 */
import { main } from './_common';

main('makemore-transformer');
