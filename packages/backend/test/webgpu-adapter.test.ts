import { afterEach, describe, expect, it } from 'vitest';
import { useBestBackend } from '../src/index';
import { describeAdapterInfo } from '../src/webgpu/adapter';

describe('describeAdapterInfo', () => {
  it('names the vendor and architecture, and marks CPU implementations as software', () => {
    expect(describeAdapterInfo({ vendor: 'nvidia', architecture: 'hopper', description: '' })).toEqual({
      label: 'nvidia hopper',
      software: false,
    });
    // Chromium's SwiftShader, as it reports itself (the flag is on the info in Chromium 150).
    expect(
      describeAdapterInfo({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }),
    ).toEqual({ label: 'google swiftshader', software: true });
    // Mesa's lavapipe names llvmpipe in its description and sets no flag.
    expect(
      describeAdapterInfo({
        vendor: 'mesa',
        architecture: '',
        description: 'llvmpipe (LLVM 15.0.6, 256 bits)',
      }).software,
    ).toBe(true);
    // Older browsers put the flag on the adapter itself.
    expect(describeAdapterInfo({ vendor: 'intel', architecture: 'gen-12lp' }, true).software).toBe(true);
    expect(describeAdapterInfo({}).label).toBe('an unnamed adapter');
  });
});

describe('useBestBackend (browser entry) with a software WebGPU adapter', () => {
  const nav = globalThis as { navigator?: unknown };
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  afterEach(() => {
    if (saved) Object.defineProperty(globalThis, 'navigator', saved);
    else delete nav.navigator;
  });

  it('prefers wasm over SwiftShader WebGPU and says why', async () => {
    const gpu = {
      requestAdapter: async () => ({
        info: { vendor: 'google', architecture: 'swiftshader', description: '', isFallbackAdapter: true },
      }),
    };
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    const choice = await useBestBackend({ onNotice: () => {} });
    expect(choice.backend).toBe('wasm');
    expect(choice.tried[0]).toEqual({
      name: 'webgpu',
      ok: false,
      why: 'WebGPU runs in software here (google swiftshader), slower than wasm for training',
    });
    expect(choice.reason).toContain('webgpu: WebGPU runs in software here');
    expect(choice.detail).toMatch(/^repaired wasm/);
  });
});
