/**
 * What the in-process benchmark scripts here share (gemm-routes.mts, fused-kernels.mts, gemm-threads.mts):
 * the packages as the CLI resolves them (the built ones, from apps/cli, so the scripts time what `makemore`
 * runs), their `--name <number>` options, and one of `makemore bench`'s models ready to train on a fixed seeded batch.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BENCH_SPECS, randomTokenBatch } from '../apps/cli/src/commands/bench-specs.ts';

const req = createRequire(fileURLToPath(new URL('../apps/cli/package.json', import.meta.url)));
export const tf = req(
  '@tensorflow/tfjs-core',
) as typeof import('../packages/backend/node_modules/@tensorflow/tfjs-core');
const { Rng } = req('@makemore/random') as typeof import('../packages/random/src/index');
export const backend = req('@makemore/backend/node') as typeof import('../packages/backend/src/node');
export const models = req('@makemore/models') as typeof import('../packages/models/src/index');
export const trainer = req('@makemore/trainer') as typeof import('../packages/trainer/src/index');

/** The number after `--name` on the command line, or `fallback`. */
export function numberFlag(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** `makemore bench`'s model `name` (apps/cli/src/commands/bench-specs.ts), its optimizer and one batch of ids. */
export function benchModel(name: string) {
  const spec = BENCH_SPECS.find((s) => s.name === name);
  if (spec === undefined) throw new Error(`no bench spec '${name}'`);
  const model = models.createModel(spec.model);
  const optimizer = trainer.createOptimizer(model.parameters(), { type: spec.optimizer, lr: spec.lr });
  const ids = randomTokenBatch(spec, model.inputKind === 'window', new Rng(7));
  const batch = { x: tf.tensor2d(ids.x, ids.xShape, 'int32'), y: tf.tensor(ids.y, ids.yShape, 'int32') };
  return { model, optimizer, batch };
}
