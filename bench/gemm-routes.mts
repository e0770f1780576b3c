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
import { backend, benchModel, numberFlag, trainer } from './cli-packages.mts';

const rounds = numberFlag('rounds', 3);
const steps = numberFlag('steps', 15);

const choice = await backend.useBestBackend({ prefer: 'wasm', threads: 1, onNotice: () => {} });
console.log(`backend: ${choice.reason}`);
const { model, optimizer, batch } = benchModel('gpt');

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
    for (let i = 0; i < 2; i++) await trainer.trainStep(model, optimizer, batch); // warm-up
    const start = performance.now();
    for (let i = 0; i < steps; i++) await trainer.trainStep(model, optimizer, batch);
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
