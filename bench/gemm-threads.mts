/**
 * What splitting matrix products over helper threads (`threads` > 1 in Node) saves on the repaired wasm
 * backend: whole training steps of `makemore bench`'s gpt, transformer and mlp, plus the GPT's largest
 * products on their own, with the split turned on and off (`useWasmGemmThreads`) in alternating rounds of
 * one process, so that the shared host's drift hits both alike (medians of the rounds). Both sides run on
 * tfjs's threaded build; `bench/compare.ts --backends wasm,wasm:2` compares it with the one-thread build.
 *
 *   npx tsx bench/gemm-threads.mts [--threads 2] [--rounds 8] [--steps 4]
 *
 * Needs the packages built (`pnpm build`); resolves them from the CLI, which depends on all of them.
 */
import { backend, benchModel, numberFlag, tf, trainer } from './cli-packages.mts';

const threads = numberFlag('threads', 2);
const rounds = numberFlag('rounds', 8);
const steps = numberFlag('steps', 4);

const choice = await backend.useBestBackend({ prefer: 'wasm', threads, onNotice: () => {} });
console.log(`backend: ${choice.reason}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/** Median ms per call of `run`, split and not, alternating each round. */
async function compare(run: () => unknown, reps: number): Promise<{ split: number; one: number }> {
  const times = { split: [] as number[], one: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const split of [true, false]) {
      backend.useWasmGemmThreads(split);
      await run();
      const start = performance.now();
      for (let i = 0; i < reps; i++) await run();
      times[split ? 'split' : 'one'].push((performance.now() - start) / reps);
    }
  }
  backend.useWasmGemmThreads(true);
  return { split: median(times.split), one: median(times.one) };
}

const rows: [string, { split: number; one: number }][] = [];
for (const [a, b, transposeA, transposeB, label] of [
  [[768, 128], [128, 512], false, false, 'x·W, 768×128 · 128×512'],
  [[768, 512], [128, 512], false, true, 'dy·Wᵀ, 768×512 · (128×512)ᵀ'],
  [[768, 128], [768, 512], true, false, 'xᵀ·dy, (768×128)ᵀ · 768×512'],
  [[48, 64, 32], [48, 64, 32], false, true, 'attention q·kᵀ, 48 × 64×32 · (64×32)ᵀ'],
] as const) {
  const x = tf.randomNormal([...a]);
  const y = tf.randomNormal([...b]);
  rows.push([label, await compare(() => tf.matMul(x, y, transposeA, transposeB).dispose(), 20)]);
}
for (const name of ['gpt', 'transformer', 'mlp']) {
  const { model, optimizer, batch } = benchModel(name);
  const reps = name === 'mlp' ? steps * 100 : steps;
  rows.push([`${name} training step`, await compare(() => trainer.trainStep(model, optimizer, batch), reps)]);
}

console.log(
  `| ${rounds} alternating rounds, medians | split over ${threads} threads (ms) | one thread (ms) | speed-up |`,
);
console.log('|---|---|---|---|');
for (const [label, { split, one }] of rows) {
  console.log(`| ${label} | ${split.toFixed(3)} | ${one.toFixed(3)} | ${(one / split).toFixed(2)}× |`);
}
