/**
 * Named per-parameter buffers (momentum, Adam moments), created lazily as zeros and copied in and out
 * of an {@link OptimizerState} with every name and shape checked before anything changes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

/** One kind of buffer (say `exp_avg`) for each parameter of an optimizer. */
export class BufferSet {
  private readonly buffers = new Map<string, Variable>();

  constructor(
    readonly kind: string,
    private readonly params: Map<string, Variable>,
  ) {}

  /** The buffer for `name`, created as zeros of the parameter's shape on first use. */
  get(name: string): Variable {
    let buffer = this.buffers.get(name);
    if (!buffer) {
      const param = this.params.get(name);
      if (!param) throw new Error(`optimizer has no parameter named '${name}'`);
      buffer = tf.tidy(() => tf.variable(tf.zerosLike(param), false));
      this.buffers.set(name, buffer);
    }
    return buffer;
  }

  /** Whether a buffer exists for `name` (buffers are created on first use). */
  has(name: string): boolean {
    return this.buffers.has(name);
  }

  /** Takes ownership of `buffer` as the buffer for `name`, freeing the one it replaces. */
  set(name: string, buffer: Variable): void {
    this.buffers.get(name)?.dispose();
    this.buffers.set(name, buffer);
  }

  /** Copies of the existing buffers, named `<kind>.<parameter>`. */
  export(into: Record<string, Tensor>): void {
    for (const [name, buffer] of this.buffers) into[`${this.kind}.${name}`] = buffer.clone();
  }

  /** Lists what would be wrong with importing `tensors`, without changing anything. */
  check(tensors: Record<string, Tensor>, problems: string[]): void {
    const prefix = `${this.kind}.`;
    for (const [key, tensor] of Object.entries(tensors)) {
      if (!key.startsWith(prefix)) continue;
      const name = key.slice(prefix.length);
      const param = this.params.get(name);
      if (!param) problems.push(`'${key}' names no parameter of this model`);
      else if (!tf.util.arraysEqual(param.shape, tensor.shape)) {
        problems.push(`'${key}' has shape [${tensor.shape}] but the parameter has [${param.shape}]`);
      }
    }
  }

  /** Replaces every buffer with copies of those named `<kind>.*` in `tensors` (call {@link check} first). */
  import(tensors: Record<string, Tensor>): void {
    this.dispose();
    const prefix = `${this.kind}.`;
    for (const [key, tensor] of Object.entries(tensors)) {
      if (!key.startsWith(prefix)) continue;
      this.buffers.set(
        key.slice(prefix.length),
        tf.tidy(() => tf.variable(tf.cast(tensor, 'float32'), false)),
      );
    }
  }

  dispose(): void {
    for (const buffer of this.buffers.values()) buffer.dispose();
    this.buffers.clear();
  }
}

/** Throws one error listing every problem found while loading optimizer state. */
export function throwIfProblems(problems: string[], what: string): void {
  if (problems.length > 0) {
    throw new Error(`cannot load ${what} optimizer state:\n  - ${problems.join('\n  - ')}`);
  }
}
