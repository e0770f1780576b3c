/**
 * What the fused kernels (@makemore/backend's `FUSED_KERNELS`) save on the repaired wasm backend, with
 * every measurement alternating between the fused kernels registered and unregistered in one process, so
 * that the shared host's drift hits both alike (medians of the rounds):
 *   - the parts: GELU (exact form) forward and backward on a [12, 64, 512] activation, LayerNorm on
 *     [12, 64, 128], attention's masked softmax on [12, 4, 64, 64], attention from qkv (the baby GPT's
 *     [12, 64, 384] and makemore's transformer's [32, 16, 192], 4 heads), and the AdamW step of the baby
 *     GPT's 0.8 M parameters;
 *   - whole training steps of `makemore bench`'s gpt, transformer and mlp (apps/cli/src/commands/bench-specs.ts;
 *     the mlp takes 100 times as many steps per round).
 *
 *   npx tsx bench/fused-kernels.mts [--rounds 12] [--steps 4]
 *
 * Needs the packages built (`pnpm build`); resolves them from the CLI, which depends on all of them.
 */
import { backend, benchModel, models, numberFlag, tf, trainer } from './cli-packages.mts';

const rounds = numberFlag('rounds', 12);
const steps = numberFlag('steps', 4);

const choice = await backend.useBestBackend({ prefer: 'wasm', threads: 1, onNotice: () => {} });
console.log(`backend: ${choice.reason}`);
const fused = Object.values(backend.FUSED_KERNELS).map((name) => tf.getKernel(name, 'wasm')!);
function useFused(on: boolean): void {
  for (const config of fused) {
    const registered = tf.getKernel(config.kernelName, 'wasm') !== undefined;
    if (on && !registered) tf.registerKernel(config);
    if (!on && registered) tf.unregisterKernel(config.kernelName, 'wasm');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/**
 * Median ms per call of `run`, fused and not, alternating each round; each call is awaited (a training step
 * reads its loss back asynchronously).
 */
async function compare(run: () => unknown, reps: number): Promise<{ fused: number; composed: number }> {
  const times = { fused: [] as number[], composed: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const on of [true, false]) {
      useFused(on);
      await run();
      const start = performance.now();
      for (let i = 0; i < reps; i++) await run();
      times[on ? 'fused' : 'composed'].push((performance.now() - start) / reps);
    }
  }
  useFused(true);
  return { fused: median(times.fused), composed: median(times.composed) };
}

const rows: [string, { fused: number; composed: number }][] = [];
type Tensor = ReturnType<typeof tf.randomNormal>;
/** A call of f's forward and backward pass (tf.grad of Σ f(x)) on x. */
const forwardBackward = (f: (x: Tensor) => Tensor, x: Tensor) => {
  const g = tf.grad((v: Tensor) => f(v));
  return () => tf.dispose(g(x));
};
const h = tf.randomNormal([12, 64, 512]);
rows.push([
  'GELU (erf) forward + backward, [12,64,512]',
  await compare(
    forwardBackward((x) => models.gelu(x, 'erf'), h),
    10,
  ),
]);
const e = tf.randomNormal([12, 64, 128]);
const layerNorm = new models.LayerNorm(128, { bias: false });
rows.push([
  'LayerNorm forward + backward, [12,64,128]',
  await compare(
    forwardBackward((x) => layerNorm.apply(x), e),
    20,
  ),
]);
const scores = tf.randomNormal([12, 4, 64, 64]);
/** Attention's additive causal mask [T, T]: 0 on and below the diagonal, −10⁹ above. */
const causalMask = (T: number) =>
  tf.tensor2d(
    Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)),
    [T, T],
  );
const mask = causalMask(64);
rows.push([
  'masked softmax forward + backward, [12,4,64,64]',
  await compare(
    forwardBackward((x) => models.maskedSoftmax(x, mask, 1 / Math.sqrt(32)), scores),
    20,
  ),
]);

const qkv = tf.randomNormal([12, 64, 384]);
rows.push([
  'attention forward + backward, qkv [12,64,384], 4 heads',
  await compare(
    forwardBackward((x) => models.multiHeadAttention(x, mask, 4), qkv),
    10,
  ),
]);
const qkvSmall = tf.randomNormal([32, 16, 192]);
const mask16 = causalMask(16);
rows.push([
  'attention forward + backward, qkv [32,16,192], 4 heads',
  await compare(
    forwardBackward((x) => models.multiHeadAttention(x, mask16, 4), qkvSmall),
    20,
  ),
]);

const { model: gptModel, optimizer: adamw } = benchModel('gpt');
const grads = new Map([...gptModel.parameters()].map(([name, p]) => [name, tf.randomNormal(p.shape)]));
rows.push(['AdamW step, 804,096 parameters', await compare(() => adamw.step(grads), 5)]);

for (const name of ['gpt', 'transformer', 'mlp']) {
  const { model, optimizer, batch } = benchModel(name);
  const stepsHere = name === 'mlp' ? steps * 100 : steps;
  rows.push([
    `${name} training step`,
    await compare(() => trainer.trainStep(model, optimizer, batch), stepsHere),
  ]);
}

console.log(`\nmedians of ${rounds} alternating rounds, ms`);
console.log('| part | composed ops | fused kernels | ÷ |');
console.log('|---|---|---|---|');
for (const [name, t] of rows) {
  console.log(
    `| ${name} | ${t.composed.toFixed(2)} | ${t.fused.toFixed(2)} | ${(t.composed / t.fused).toFixed(2)}× |`,
  );
}
