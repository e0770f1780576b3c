// The built @makemore/models and @makemore/trainer register tfjs-core's gradients by themselves, in ESM
// and in CJS: a user with tfjs-core and a backend (no @makemore/backend, no @tensorflow/tfjs bundle) can
// train. A bundler once dropped the registration as a "pure" bare import, and only the source-level
// tests, where the import is kept, would have noticed nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM helper without types
import { root } from './published-packages.mjs';

/** Runs `code` with Node in `dir`, so that bare imports resolve from that package (and to itself). */
function node(dir: string, code: string, type: 'module' | 'commonjs'): string {
  return execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], {
    cwd: join(root as string, dir),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

// Reshape, MatMul, Softmax and friends have no gradient in tfjs-core until register_all_gradients runs.
const transformerGrads = `
  await tf.setBackend('cpu');
  const model = createModel({ type: 'transformer', vocabSize: 11, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 8 });
  const x = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
  const y = tf.tensor2d([[2, 3, 4, 5]], [1, 4], 'int32');
  const { grads } = tf.variableGrads(() => model.loss(x, y));
  console.log(Object.keys(grads).length > 0 ? 'grads-ok' : 'no-grads');`;

const reshapeGrad = `
  await tf.setBackend('cpu');
  const g = tf.grad((x) => tf.sum(tf.reshape(x, [-1])))(tf.ones([2, 3]));
  console.log(g.shape.join('x') === '2x3' ? 'grads-ok' : 'no-grads');`;

describe('built packages register the tfjs gradients', () => {
  it('@makemore/models, ESM and CJS', () => {
    const esm = `import * as tf from '@tensorflow/tfjs-core'; import '@tensorflow/tfjs-backend-cpu';
      import { createModel } from '@makemore/models'; ${transformerGrads}`;
    const cjs = `const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu');
      const { createModel } = require('@makemore/models'); (async () => { ${transformerGrads} })();`;
    // From the trainer package, which depends on models; nothing here imports @makemore/backend.
    expect(node('packages/trainer', esm, 'module')).toMatch(/grads-ok$/);
    expect(node('packages/trainer', cjs, 'commonjs')).toMatch(/grads-ok$/);
  });

  it('@makemore/trainer, ESM and CJS', () => {
    const esm = `import * as tf from '@tensorflow/tfjs-core'; import '@tensorflow/tfjs-backend-cpu';
      import '@makemore/trainer'; ${reshapeGrad}`;
    const cjs = `const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu');
      require('@makemore/trainer'); (async () => { ${reshapeGrad} })();`;
    expect(node('packages/trainer', esm, 'module')).toMatch(/grads-ok$/);
    expect(node('packages/trainer', cjs, 'commonjs')).toMatch(/grads-ok$/);
  });
});

// @makemore/models is marked side-effect free so that `BigramCounts` alone bundles without tfjs. Its models
// call into the registration module, so a bundler must keep the registration whenever a model is used.
describe('a bundler that tree-shakes @makemore/models', () => {
  it('keeps the gradient registration when a model is used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'makemore-bundle-'));
    try {
      const result = await build({
        stdin: {
          contents: `import * as tf from '@tensorflow/tfjs-core'; import '@tensorflow/tfjs-backend-cpu';
            import { createModel } from '@makemore/models'; ${transformerGrads}`,
          resolveDir: join(root as string, 'packages/trainer'),
          loader: 'js',
        },
        bundle: true,
        // A browser bundle (one copy of tfjs-core, its ES modules), run in Node: the cpu backend needs no DOM,
        // so a stand-in `window.document` and a hidden Node version keep tfjs on its browser platform.
        format: 'esm',
        platform: 'browser',
        define: { 'process.versions.node': 'undefined' },
        banner: { js: 'globalThis.window = globalThis; globalThis.document = {};' },
        outfile: join(dir, 'bundle.mjs'),
        logLevel: 'error',
      });
      expect(result.errors).toEqual([]);
      const out = execFileSync(process.execPath, [join(dir, 'bundle.mjs')], { encoding: 'utf8' }).trim();
      expect(out).toMatch(/grads-ok$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
