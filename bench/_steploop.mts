import { backend, models, tf } from './cli-packages.mts';
await backend.useBestBackend({ prefer: 'wasm', threads: 1, onNotice: () => {} });
const shape = (process.argv[2] ?? '4,4,128,64').split(',').map(Number) as [number, number, number, number];
const model = models.createModel({ type: 'transformer', vocabSize: 65, blockSize: shape[3], nLayer: shape[0], nHead: shape[1], nEmbd: shape[2], bias: false, tieWeights: true, gelu: 'erf', init: 'gpt2', seed: 1 });
const t0 = performance.now();
for (let r = 0; r < 6; r++) models.generate(model, { context: [0], maxNewTokens: 500, seed: 1 });
console.log(((performance.now() - t0) / 6).toFixed(0), 'ms per 500 tokens');
