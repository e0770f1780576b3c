// The two exports bench/webgpu/webgpu-node.ts uses from the `webgpu` package (Dawn for Node). It is not a
// dependency (132 MB of native builds for five platforms): webgpu-node-pack.sh fetches it with
// `npm pack` when it builds the .gpu/ bundle. Types of the WebGPU API itself come from @webgpu/types.
declare module 'webgpu' {
  /** A `navigator.gpu` object backed by Dawn; `options` are Dawn toggles such as `backend=vulkan`. */
  export function create(options: string[]): GPU;
  /** The WebGPU enum namespaces (`GPUBufferUsage`, `GPUMapMode`, …) that browsers define as globals. */
  export const globals: object;
}
