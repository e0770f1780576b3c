/**
 * How our fused WebGPU kernels (src/fused-kernels.ts) reach the GPU: our own WGSL compute shaders, recorded
 * into tfjs-backend-webgpu 4.22's command encoder between its own kernels.
 *
 * tfjs's `runWebGPUProgram` gives a shader one writable buffer and wraps the code in its own preamble. Our
 * kernels write several outputs at once (LayerNorm writes y, the mean and 1/σ in one pass; Adam writes both
 * moments and the parameters), so they bind storage buffers themselves: outputs first (read_write), then
 * inputs (read), then one uniform block of 32-bit scalars. Everything else follows what the backend does
 * for its own programs, so that its buffer reuse stays correct: tensors are uploaded on demand, every buffer
 * a dispatch touches is marked as owned by the queued commands (the backend then defers its release until
 * the queue is submitted), and the pass is submitted every `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE` dispatches.
 *
 * `dispatchCount` counts the dispatches this module recorded, for benchmarks that count kernels per step.
 */
import { env, type DataType, type TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-webgpu 4.22's `WebGPUBackend` that we use (all public in its .d.ts, or stable). */
export interface WebGpuBackendInternals {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { resource?: unknown; dtype: DataType } };
  makeTensorInfo(shape: number[], dtype: DataType): TensorInfo;
  uploadToGPU(dataId: object): void;
  disposeData(dataId: object): unknown;
  makeUniforms(uniforms: { type: string; data: number[] }[]): GPUBindingResource;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: GPUCommandEncoder;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  dispatchCountInPass: number;
}

/** One scalar of a shader's uniform block. */
export type Uniform = { i32: number } | { f32: number };

/** What {@link dispatchWgsl} runs. */
export interface WgslDispatch {
  /** A key unique to the shader text (the pipeline is compiled once per device and key). */
  key: string;
  /** Builds the WGSL source; called once per device and key. */
  code: () => string;
  /** Written tensors, bound as `read_write` storage at bindings 0, 1, … */
  outputs: TensorInfo[];
  /** Read tensors, bound as `read` storage after the outputs. */
  inputs: TensorInfo[];
  /** Scalars, bound as one uniform block after the inputs (omit when none). */
  uniforms?: Uniform[];
  /** Workgroups along x, y, z. */
  workgroups: [number, number?, number?];
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

let dispatched = 0;

/** Dispatches recorded by our fused kernels since the page or process started. */
export function dispatchCount(): number {
  return dispatched;
}

function pipelineFor(device: GPUDevice, key: string, code: () => string): GPUComputePipeline {
  let byKey = pipelines.get(device);
  if (byKey === undefined) {
    byKey = new Map();
    pipelines.set(device, byKey);
  }
  let pipeline = byKey.get(key);
  if (pipeline === undefined) {
    const module = device.createShaderModule({ code: code(), label: key });
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    byKey.set(key, pipeline);
  }
  return pipeline;
}

function bufferOf(backend: WebGpuBackendInternals, t: TensorInfo): GPUBuffer {
  backend.uploadToGPU(t.dataId);
  const resource = backend.tensorMap.get(t.dataId).resource;
  if (resource === undefined || resource === null || !('mapState' in (resource as object))) {
    throw new Error('fused WebGPU kernel: a tensor is not held in a GPU buffer');
  }
  return resource as GPUBuffer;
}

/** A new float32 (or `dtype`) tensor of `shape` on the backend, its buffer allocated. */
export function makeOutput(
  backend: WebGpuBackendInternals,
  shape: number[],
  dtype: DataType = 'float32',
): TensorInfo {
  const t = backend.makeTensorInfo(shape, dtype);
  backend.uploadToGPU(t.dataId);
  return t;
}

/** Records one compute dispatch of `d.code` into the backend's current compute pass. */
export function dispatchWgsl(backend: WebGpuBackendInternals, d: WgslDispatch): void {
  const pipeline = pipelineFor(backend.device, d.key, d.code);
  const tensors = [...d.outputs, ...d.inputs];
  const entries: GPUBindGroupEntry[] = tensors.map((t, i) => ({
    binding: i,
    resource: { buffer: bufferOf(backend, t) },
  }));
  if (d.uniforms !== undefined && d.uniforms.length > 0) {
    const scalars = d.uniforms.map((u) =>
      'i32' in u ? { type: 'int32', data: [u.i32] } : { type: 'float32', data: [u.f32] },
    );
    // Whole 16-byte rows, the uniform address space's granularity.
    while (scalars.length % 4 !== 0) scalars.push({ type: 'int32', data: [0] });
    entries.push({ binding: tensors.length, resource: backend.makeUniforms(scalars) });
  }
  for (const t of tensors) backend.commandQueueOwnedIds.add(t.dataId);
  const bindGroup = backend.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  backend.ensureCommandEncoderReady();
  if (backend.computePassEncoder === null || backend.computePassEncoder === undefined) {
    backend.computePassEncoder = backend.commandEncoder.beginComputePass({});
  }
  const pass = backend.computePassEncoder;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  const [x, y = 1, z = 1] = d.workgroups;
  pass.dispatchWorkgroups(x, y, z);
  dispatched++;
  backend.dispatchCountInPass++;
  if (env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
}

/**
 * Copies whole tensors back to back into `flat` (at element offsets), or slices of `flat` out into
 * tensors: buffer copies between dispatches (no shader), used to give one dispatch every parameter.
 */
export function copyTensors(
  backend: WebGpuBackendInternals,
  direction: 'gather' | 'scatter',
  flat: TensorInfo,
  parts: TensorInfo[],
): void {
  const flatBuffer = bufferOf(backend, flat);
  const buffers = parts.map((t) => bufferOf(backend, t));
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  let offset = 0;
  parts.forEach((t, i) => {
    const bytes = 4 * t.shape.reduce((a, b) => a * b, 1);
    const part = buffers[i] as GPUBuffer;
    if (bytes > 0) {
      if (direction === 'gather')
        backend.commandEncoder.copyBufferToBuffer(part, 0, flatBuffer, offset, bytes);
      else backend.commandEncoder.copyBufferToBuffer(flatBuffer, offset, part, 0, bytes);
    }
    backend.commandQueueOwnedIds.add(t.dataId);
    offset += bytes;
  });
  backend.commandQueueOwnedIds.add(flat.dataId);
}

/** Workgroups of `size` threads that cover `n` items (WebGPU allows at most 65535 along one axis). */
export function workgroupsFor(n: number, size: number): [number, number] {
  const groups = Math.max(1, Math.ceil(n / size));
  if (groups <= 65535) return [groups, 1];
  return [65535, Math.ceil(groups / 65535)];
}

/** The flat index of a thread in a 2-D grid of 1-D workgroups, as WGSL (`wid`, `lid`, `nwg` builtins). */
export const FLAT_INDEX = '(wid.x + wid.y * nwg.x) * WG + lid.x';
