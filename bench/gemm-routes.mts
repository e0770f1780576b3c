/**
 * The baby GPT's training step on the repaired wasm backend through each matrix-product route, switched
 * back and forth in one process so that the shared host's drift hits every route alike:
 *   - fma:     our gemm's relaxed-SIMD variant (fused multiply-adds), the default;
 *   - mul-add: our gemm's plain SIMD variant (`useWasmGemmFma(false)`);
 *   - xnnpack: tfjs's XNNPACK route, our gemm off (`useWasmGemm(false)`).
 * The model, optimizer and batch size of `makemore bench`'s gpt (apps/cli/src/commands/bench-specs.ts: 4
 * layers, 4 heads, n_embd 128, block 64, batch 12, vocab 65, AdamW); the batch is seeded random ids.
 *
 *   npx tsx bench/gemm-routes.mts [--rounds 3] [--steps 15]
 *
 * Needs the packages built (`pnpm build`); resolves them from the CLI, which depends on all of them.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BENCH_SPECS, randomTokenBatch } from '../apps/cli/src/commands/bench-specs.ts';

const req = createRequire(fileURLToPath(new URL('../apps/cli/package.json', import.meta.url)));
const tf = req(
  '@tensorflow/tfjs-core',
) as typeof import('../packages/backend/node_modules/@tensorflow/tfjs-core');
const { Rng } = req('@makemore/random') as typeof import('../packages/random/src/index');
const backend = req('@makemore/backend/node') as typeof import('../packages/backend/src/node');
const { createModel } = req('@makemore/models') as typeof import('../packages/models/src/index');
const { createOptimizer, trainStep } = req(
  '@makemore/trainer',
) as typeof import('../packages/trainer/src/index');

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const rounds = flag('rounds', 3);
const steps = flag('steps', 15);

const choice = await backend.useBestBackend({ prefer: 'wasm', threads: 1, onNotice: () => {} });
console.log(`backend: ${choice.reason}`);
const gpt = BENCH_SPECS.find((spec) => spec.name === 'gpt')!;
const model = createModel(gpt.model);
const optimizer = createOptimizer(model.parameters(), { type: gpt.optimizer, lr: gpt.lr });
const ids = randomTokenBatch(gpt, false, new Rng(7));
const batch = { x: tf.tensor2d(ids.x, ids.xShape, 'int32'), y: tf.tensor(ids.y, ids.yShape, 'int32') };

const routes = [
  { name: 'fma', gemm: true, fma: true },
  { name: 'mul-add', gemm: true, fma: false },
  { name: 'xnnpack', gemm: false, fma: true },
];
const times = new Map<string, number[]>(routes.map((r) => [r.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const route of routes) {
    backend.useWasmGemm(route.gemm);
    backend.useWasmGemmFma(route.fma);
    for (let i = 0; i < 2; i++) await trainStep(model, optimizer, batch); // warm-up
    const start = performance.now();
    for (let i = 0; i < steps; i++) await trainStep(model, optimizer, batch);
    times.get(route.name)!.push((performance.now() - start) / steps);
  }
}
backend.useWasmGemm(true);
backend.useWasmGemmFma(true);

const best = (name: string) => Math.min(...times.get(name)!);
console.log(`| route | ms/step per round (${steps} steps each) | best | best ÷ fma best |`);
console.log('|---|---|---|---|');
for (const { name } of routes) {
  const all = times
    .get(name)!
    .map((t) => t.toFixed(1))
    .join(', ');
  console.log(`| ${name} | ${all} | ${best(name).toFixed(1)} | ${(best(name) / best('fma')).toFixed(2)}× |`);
}
