/**
 * The tfjs side of bench/pytorch/train_speed.py, written directly on tfjs-core ops: the same three models,
 * sizes, optimizers and seeded random batches, timed per training step on one backend. It exists so that
 * the backend can be measured against PyTorch without the models package (compare.ts falls back to it when
 * the CLI is not built) and as a check on the models package's own speed. Prints one JSON object.
 *
 *   npx tsx bench/tfjs/train_speed.mts [--backend wasm] [--threads 1] [--only gpt,transformer,mlp] [--steps-scale 1]
 *
 * Needs packages/backend built (`pnpm --filter @makemore/backend build`): it loads its dist, which carries
 * tfjs-core's gradients for plain Node.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as TF from '@tensorflow/tfjs-core';

const backendPkg = fileURLToPath(new URL('../../packages/backend/package.json', import.meta.url));
const req = createRequire(backendPkg);
const tf = req('@tensorflow/tfjs-core') as typeof TF;
const { useBestBackend } = req('./dist/node.cjs') as typeof import('../../packages/backend/src/node');

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};

type T = TF.Tensor;
type Params = Map<string, TF.Variable>;

/** xorshift32: the same seeded stream on every run (the figures do not depend on the values). */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function normal(rand: () => number, shape: number[], std: number): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++)
    v[i] = std * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return tf.tensor(v, shape);
}

interface GptConfig {
  vocab: number;
  block: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  bias: boolean;
  tied: boolean;
  gelu: 'erf' | 'tanh';
}

let models = 0;

/** Variable names are global in tfjs, so each model's get a unique prefix; `grads` is keyed by them. */
function gptParams(c: GptConfig, rand: () => number): Params {
  const p: Params = new Map();
  const tag = `m${models++}`;
  const add = (name: string, t: T) => p.set(name, tf.variable(t, true, `${tag}/${name}`));
  const C = c.nEmbd;
  add('wte', normal(rand, [c.vocab, C], 0.02));
  add('wpe', normal(rand, [c.block, C], 0.02));
  for (let l = 0; l < c.nLayer; l++) {
    for (const ln of ['ln1', 'ln2']) {
      add(`h${l}.${ln}.g`, tf.ones([C]));
      if (c.bias) add(`h${l}.${ln}.b`, tf.zeros([C]));
    }
    const lin = (name: string, i: number, o: number) => {
      add(`h${l}.${name}.w`, normal(rand, [i, o], 0.02));
      if (c.bias) add(`h${l}.${name}.b`, tf.zeros([o]));
    };
    lin('qkv', C, 3 * C);
    lin('proj', C, C);
    lin('fc', C, 4 * C);
    lin('fc_out', 4 * C, C);
  }
  add('ln_f.g', tf.ones([C]));
  if (c.bias) add('ln_f.b', tf.zeros([C]));
  if (!c.tied) add('head', normal(rand, [C, c.vocab], 0.02));
  return p;
}

function gptLoss(c: GptConfig, p: Params, idx: T, targets: T): TF.Scalar {
  const [B, Tn] = idx.shape as [number, number];
  const C = c.nEmbd;
  const H = c.nHead;
  const hs = C / H;
  const get = (n: string) => p.get(n)!;
  const layerNorm = (x: T, name: string) => {
    const { mean, variance } = tf.moments(x, -1, true);
    const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
    const g = tf.mul(y, get(`${name}.g`));
    return c.bias ? tf.add(g, get(`${name}.b`)) : g;
  };
  const linear = (x: T, name: string) => {
    const y = tf.matMul(x, get(`${name}.w`));
    return c.bias ? tf.add(y, get(`${name}.b`)) : y;
  };
  const gelu = (x: T) =>
    c.gelu === 'erf'
      ? tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))
      : tf.mul(
          tf.mul(x, 0.5),
          tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1),
        );
  const mask = tf.linalg.bandPart(tf.ones([Tn, Tn]), -1, 0);
  const negInf = tf.mul(tf.sub(1, mask), -1e9);
  let x = tf.reshape(tf.add(tf.gather(get('wte'), idx), tf.slice(get('wpe'), [0, 0], [Tn, C])), [B * Tn, C]);
  for (let l = 0; l < c.nLayer; l++) {
    const qkv = linear(layerNorm(x, `h${l}.ln1`), `h${l}.qkv`);
    const heads = (t: T) => tf.transpose(tf.reshape(t, [B, Tn, H, hs]), [0, 2, 1, 3]);
    const [q, k, v] = tf.split(qkv, 3, 1).map(heads) as [T, T, T];
    const att = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hs)), negInf));
    const y = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [B * Tn, C]);
    x = tf.add(x, linear(y, `h${l}.proj`));
    x = tf.add(x, linear(gelu(linear(layerNorm(x, `h${l}.ln2`), `h${l}.fc`)), `h${l}.fc_out`));
  }
  const h = layerNorm(x, 'ln_f');
  const logits = c.tied ? tf.matMul(h, get('wte'), false, true) : tf.matMul(h, get('head'));
  return crossEntropy(logits, tf.reshape(targets, [-1]), c.vocab);
}

function crossEntropy(logits: T, targets: T, vocab: number): TF.Scalar {
  const lse = tf.logSumExp(logits, -1);
  const picked = tf.sum(tf.mul(logits, tf.oneHot(targets, vocab, 1, 0, 'float32')), -1);
  return tf.mean(tf.sub(lse, picked));
}

/** AdamW as in PyTorch (decoupled decay on parameters with two or more dimensions). */
function adamw(p: Params, lr: number, beta1: number, beta2: number, wd: number) {
  const m = new Map([...p].map(([n, v]) => [n, tf.variable(tf.zerosLike(v), false)]));
  const s = new Map([...p].map(([n, v]) => [n, tf.variable(tf.zerosLike(v), false)]));
  let t = 0;
  return (grads: Record<string, T>) => {
    t++;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    tf.tidy(() => {
      for (const [name, v] of p) {
        const g = grads[v.name]!;
        const mi = m.get(name)!;
        const si = s.get(name)!;
        mi.assign(tf.add(tf.mul(mi, beta1), tf.mul(g, 1 - beta1)));
        si.assign(tf.add(tf.mul(si, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const update = tf.div(tf.div(mi, c1), tf.add(tf.sqrt(tf.div(si, c2)), 1e-8));
        const decayed = v.rank >= 2 ? tf.mul(v, 1 - lr * wd) : v;
        v.assign(tf.sub(decayed, tf.mul(update, lr)));
      }
    });
  };
}

function timeSteps(step: () => void, warmup: number, steps: number): number {
  for (let i = 0; i < warmup; i++) step();
  const start = performance.now();
  for (let i = 0; i < steps; i++) step();
  return (performance.now() - start) / steps;
}

function benchGpt(
  c: GptConfig,
  batch: number,
  lr: number,
  betas: [number, number],
  wd: number,
  steps: number,
) {
  const rand = rng(1);
  const p = gptParams(c, rand);
  const update = adamw(p, lr, betas[0], betas[1], wd);
  const data = rng(7);
  const ids = (n: number) => Int32Array.from({ length: n }, () => Math.floor(data() * c.vocab));
  const step = () => {
    const x = tf.tensor2d(ids(batch * c.block), [batch, c.block], 'int32');
    const y = tf.tensor2d(ids(batch * c.block), [batch, c.block], 'int32');
    const { value, grads } = tf.variableGrads(() => gptLoss(c, p, x, y));
    update(grads);
    value.dataSync();
    tf.dispose([x, y, value, ...Object.values(grads)]);
  };
  const ms = timeSteps(step, 3, steps);
  const params = [...p].reduce((a, [n, v]) => a + (n === 'wpe' && c.tied ? 0 : v.size), 0);
  return { msPerStep: ms, stepsPerSec: 1000 / ms, params };
}

function benchMlp(steps: number) {
  const rand = rng(1);
  const tag = `m${models++}`;
  const p: Params = new Map(
    (
      [
        ['emb', normal(rand, [27, 10], 1)],
        ['w1', normal(rand, [30, 200], 0.2)],
        ['b1', tf.zeros([200])],
        ['w2', normal(rand, [200, 27], 0.1)],
        ['b2', tf.zeros([27])],
      ] as [string, T][]
    ).map(([n, t]) => [n, tf.variable(t, true, `${tag}/${n}`)]),
  );
  const data = rng(7);
  const ids = (n: number) => Int32Array.from({ length: n }, () => Math.floor(data() * 27));
  const get = (n: string) => p.get(n)!;
  const step = () => {
    const x = tf.tensor2d(ids(32 * 3), [32, 3], 'int32');
    const y = tf.tensor1d(ids(32), 'int32');
    const { value, grads } = tf.variableGrads(() => {
      const h = tf.tanh(
        tf.add(tf.matMul(tf.reshape(tf.gather(get('emb'), x), [32, 30]), get('w1')), get('b1')),
      );
      return crossEntropy(tf.add(tf.matMul(h, get('w2')), get('b2')), y, 27);
    });
    tf.tidy(() => {
      for (const v of p.values()) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.1)));
    });
    value.dataSync();
    tf.dispose([x, y, value, ...Object.values(grads)]);
  };
  const ms = timeSteps(step, 300, steps);
  return { msPerStep: ms, stepsPerSec: 1000 / ms, params: [...p.values()].reduce((a, v) => a + v.size, 0) };
}

const scale = Number(flag('steps-scale', '1'));
const choice = await useBestBackend({
  prefer: flag('backend', 'auto'),
  threads: Number(flag('threads', '1')),
  onNotice: (m: string) => process.stderr.write(`${m}\n`),
});
const results: Record<string, unknown> = {};
for (const name of flag('only', 'gpt,transformer,mlp').split(',')) {
  if (name === 'gpt') {
    const c: GptConfig = {
      vocab: 65,
      block: 64,
      nLayer: 4,
      nHead: 4,
      nEmbd: 128,
      bias: false,
      tied: true,
      gelu: 'erf',
    };
    results.gpt = benchGpt(c, 12, 1e-3, [0.9, 0.99], 0.1, Math.max(4, Math.round(40 * scale)));
  } else if (name === 'transformer') {
    const c: GptConfig = {
      vocab: 27,
      block: 16,
      nLayer: 4,
      nHead: 4,
      nEmbd: 64,
      bias: true,
      tied: false,
      gelu: 'tanh',
    };
    results.transformer = benchGpt(c, 32, 5e-4, [0.9, 0.99], 0.01, Math.max(4, Math.round(60 * scale)));
  } else if (name === 'mlp') {
    results.mlp = benchMlp(Math.max(20, Math.round(600 * scale)));
  } else {
    throw new Error(`unknown benchmark '${name}' (one of: gpt, transformer, mlp)`);
  }
}
console.log(
  JSON.stringify({
    runtime: 'tfjs',
    backend: choice.backend,
    threads: choice.threads,
    reason: choice.reason,
    results,
  }),
);
