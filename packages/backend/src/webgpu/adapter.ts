/**
 * Which WebGPU adapter a browser (or Dawn in Node) offers, and whether it is a GPU at all. Without a GPU,
 * Chromium's WebGPU runs on SwiftShader and Mesa's on lavapipe (llvmpipe): CPU rasterisers that train these
 * models slower than the wasm backend, so backend selection skips them unless WebGPU is asked for.
 *
 * A software adapter is one that says so (`isFallbackAdapter`, on the adapter in older browsers and on its
 * `info` in newer ones) or whose vendor, architecture or description names a CPU implementation.
 */

/** Adapter names of CPU implementations of WebGPU/Vulkan. */
export const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render driver/i;

/** What we report of an adapter. */
export interface WebGpuAdapterDescription {
  /** Vendor and architecture (or description), e.g. `nvidia hopper`, `google swiftshader`. */
  label: string;
  /** Whether it computes on the CPU. */
  software: boolean;
}

/** Describes one adapter's info (`GPUAdapter.info`) and fallback flag. */
export function describeAdapterInfo(
  info: Partial<Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>> & {
    isFallbackAdapter?: boolean;
  },
  isFallbackAdapter?: boolean,
): WebGpuAdapterDescription {
  const parts = [info.vendor, info.architecture, info.description].filter(
    (p): p is string => typeof p === 'string' && p.trim() !== '',
  );
  const label = parts.length > 0 ? [...new Set(parts)].join(' ') : 'an unnamed adapter';
  const software =
    info.isFallbackAdapter === true || isFallbackAdapter === true || SOFTWARE_ADAPTER.test(parts.join(' '));
  return { label, software };
}

/** The default adapter of `gpu`, described, or undefined when there is none. */
export async function describeWebGpuAdapter(gpu: GPU): Promise<WebGpuAdapterDescription | undefined> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return undefined;
  const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
  return describeAdapterInfo(adapter.info ?? {}, legacy.isFallbackAdapter);
}
