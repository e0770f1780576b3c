/**
 * The transformer's cached generation step on wasm, fused against composed, in one process: the time of
 * `TransformerKVDecoder.step` from a cache prefilled with `fill` tokens, averaged over up to 40 steps, best
 * of 5 rounds with the two sides alternating. The composed side is the step as it runs on a backend without
 * `MakemoreAttentionStep` (forced here by unregistering that kernel for its turn): about 20 tfjs kernels per
 * layer, the cache grown by concat. The fused side is 5 kernels per layer (packages/models/BENCHMARKS.md).
 *
 *   npx tsx bench/cached-step.mts [layers,heads,width,block] [fill]     (default 6,6,384,256 128)
 *
 * Needs `pnpm build`. Random weights, one thread, nanoGPT-style model (no bias, tied head, exact GELU).
 */
import { backend, models, tf } from './cli-packages.mts';

await backend.useBestBackend({ prefer: 'wasm', threads: 1, onNotice: () => {} });
const argv = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [nLayer, nHead, nEmbd, blockSize] = (argv[0] ?? '6,6,384,256').split(',').map(Number) as [
  number,
  number,
  number,
  number,
];
const fill = Number(argv[1] ?? 128);
const model = models.createModel({
  type: 'transformer',
  vocabSize: 65,
  blockSize,
  nLayer,
  nHead,
  nEmbd,
  bias: false,
  tieWeights: true,
  gelu: 'erf',
  init: 'gpt2',
  seed: 1,
});
const kernel = tf.getKernel(models.FUSED_KERNEL_NAMES.attentionStep, 'wasm');
if (kernel === undefined)
  throw new Error('MakemoreAttentionStep is not registered: is the wasm backend repaired?');

/** Milliseconds per step, fused or composed. */
function msPerStep(fused: boolean): number {
  if (!fused) tf.unregisterKernel(kernel!.kernelName, 'wasm');
  try {
    const decoder = new models.TransformerKVDecoder(model as InstanceType<typeof models.Transformer>);
    decoder.prefill([Array.from({ length: fill }, (_, i) => i % 65)]).dispose();
    const steps = Math.min(40, blockSize - fill);
    const start = performance.now();
    for (let i = 0; i < steps; i++) {
      const logits = decoder.step([1]);
      logits.dataSync();
      logits.dispose();
    }
    const ms = (performance.now() - start) / steps;
    decoder.dispose();
    return ms;
  } finally {
    if (!fused) tf.registerKernel(kernel!);
  }
}

const best = { fused: Number.POSITIVE_INFINITY, composed: Number.POSITIVE_INFINITY };
for (let round = 0; round < 5; round++) {
  best.fused = Math.min(best.fused, msPerStep(true));
  best.composed = Math.min(best.composed, msPerStep(false));
}
console.log(
  `${nLayer}L/${nHead}H/${nEmbd}, block ${blockSize}, cache of ${fill}: fused ${best.fused.toFixed(3)} ms, ` +
    `composed ${best.composed.toFixed(3)} ms per step (${(best.composed / best.fused).toFixed(2)}x)`,
);
model.dispose();
