/**
 * WGSL pieces our fused WebGPU kernels share: binding declarations in the order `dispatchWgsl` binds
 * (outputs, inputs, uniforms), the entry point's signature with the flat workgroup index, and workgroup
 * reductions. Every fused shader runs 64 or 256 threads per workgroup; a 2-D grid of workgroups lifts
 * WebGPU's 65535 limit along one axis.
 */

/** Storage bindings for `outputs` (read_write) then `inputs` (read), and the uniform struct `fields`. */
export function bindings(
  outputs: string[],
  inputs: (string | [string, 'f32' | 'i32'])[],
  fields: [string, 'f32' | 'i32'][] = [],
): string {
  const lines: string[] = [];
  let slot = 0;
  for (const name of outputs) {
    lines.push(`@group(0) @binding(${slot++}) var<storage, read_write> ${name}: array<f32>;`);
  }
  for (const input of inputs) {
    const [name, type] = typeof input === 'string' ? [input, 'f32'] : input;
    lines.push(`@group(0) @binding(${slot++}) var<storage, read> ${name}: array<${type}>;`);
  }
  if (fields.length > 0) {
    // Padded to whole 16-byte rows, as dispatchWgsl pads the values.
    const padded = [...fields];
    while (padded.length % 4 !== 0) padded.push([`pad${padded.length}`, 'i32']);
    lines.push(`struct Uniforms { ${padded.map(([n, t]) => `${n}: ${t},`).join(' ')} }`);
    lines.push(`@group(0) @binding(${slot}) var<uniform> u: Uniforms;`);
  }
  return lines.join('\n');
}

/** `fn main` for workgroups of `size` threads: `group` is the flat workgroup index, `lid` the thread's. */
export function entry(size: number, body: string): string {
  return `const WG = ${size}u;
@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let group = wid.x + wid.y * nwg.x;
  let lid = lid3.x;
  let index = group * WG + lid;
${body}
}`;
}

/** Sum and max over a workgroup of `size` threads (call from uniform control flow: they hold barriers). */
export function reductions(size: number): string {
  return `var<workgroup> red: array<f32, ${size}>;
fn workgroupSum(v: f32, l: u32) -> f32 {
  red[l] = v;
  workgroupBarrier();
  for (var s = ${size / 2}u; s > 0u; s = s >> 1u) {
    if (l < s) { red[l] = red[l] + red[l + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn workgroupMax(v: f32, l: u32) -> f32 {
  red[l] = v;
  workgroupBarrier();
  for (var s = ${size / 2}u; s > 0u; s = s >> 1u) {
    if (l < s) { red[l] = max(red[l], red[l + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`;
}

/** Finite stand-in for −∞ (WGSL implementations may assume no infinities in arithmetic). */
export const MINUS_HUGE = '-3.0e38';
