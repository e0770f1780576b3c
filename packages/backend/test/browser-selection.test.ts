import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBestBackend } from '../src/index';

// The browser entry, run where there is no GPU and no canvas: it must walk its order and land on wasm.
describe('useBestBackend (browser entry) without WebGPU or WebGL', () => {
  it('skips webgpu and webgl with reasons, lands on the repaired wasm, and gives one notice', async () => {
    const notices: string[] = [];
    const choice = await useBestBackend({ onNotice: (m) => notices.push(m) });
    expect(choice.tried.map((t) => [t.name, t.ok])).toEqual([
      ['webgpu', false],
      ['webgl', false],
      ['wasm', true],
    ]);
    expect(choice.tried[0]!.why).toContain('navigator.gpu is missing');
    expect(choice.tried[1]!.why).toContain('no canvas');
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(notices).toEqual([expect.stringMatching(/^No GPU backend loaded .*; using wasm\.$/)]);
  });

  it('rejects a forced webgl with the reason and what the user needs', async () => {
    await expect(useBestBackend({ prefer: 'webgl' })).rejects.toThrow(
      /'webgl' backend was requested but cannot be used: no canvas .* use a browser with WebGL 2/,
    );
  });

  it('rejects Node-only names in the browser', async () => {
    await expect(useBestBackend({ prefer: 'tensorflow' })).rejects.toThrow(
      "Unknown backend 'tensorflow'. Choose one of: auto, webgpu, webgl, wasm, cpu",
    );
  });
});
