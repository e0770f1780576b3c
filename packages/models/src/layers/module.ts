/**
 * Module: a small tree of named layers that owns TensorFlow.js variables, in the manner of PyTorch's
 * `nn.Module`. Children are registered under a name, so every variable gets a dotted path such as
 * `transformer.h.0.attn.c_attn.weight`: the same names a makemore.py or nanoGPT state dict uses.
 *
 * Parameters are trainable variables; buffers are non-trainable state saved with the weights
 * (BatchNorm's running statistics). `dispose()` frees everything the tree owns.
 */
import * as tf from '@tensorflow/tfjs-core';

const NAME_RE = /^[A-Za-z0-9_]+$/;

function checkName(kind: string, name: string): void {
  if (!NAME_RE.test(name)) {
    throw new Error(`${kind} name "${name}" must be letters, digits or underscores (dots join the path)`);
  }
}

/** A node in a tree of layers that owns named parameters, buffers and child modules. */
export class Module {
  private readonly ownParameters = new Map<string, tf.Variable>();
  private readonly ownBuffers = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();
  private isTraining = true;
  private disposed = false;

  /** True in training mode (dropout active, BatchNorm uses and updates batch statistics). */
  get training(): boolean {
    return this.isTraining;
  }

  /** Sets training or inference mode on this module and all its children. */
  setTraining(training: boolean): void {
    this.isTraining = training;
    for (const child of this.children.values()) child.setTraining(training);
  }

  /**
   * Registers a trainable variable built from `init`, which the module takes ownership of (it is
   * disposed here). Returns the variable.
   */
  protected addParameter(name: string, init: tf.Tensor): tf.Variable {
    checkName('Parameter', name);
    if (this.ownParameters.has(name) || this.ownBuffers.has(name) || this.children.has(name)) {
      throw new Error(`Module already has a member named "${name}"`);
    }
    const v = tf.variable(init, true);
    init.dispose();
    this.ownParameters.set(name, v);
    return v;
  }

  /** Registers a non-trainable variable (saved in the state dict, not optimised). */
  protected addBuffer(name: string, init: tf.Tensor): tf.Variable {
    checkName('Buffer', name);
    if (this.ownParameters.has(name) || this.ownBuffers.has(name) || this.children.has(name)) {
      throw new Error(`Module already has a member named "${name}"`);
    }
    const v = tf.variable(init, false);
    init.dispose();
    this.ownBuffers.set(name, v);
    return v;
  }

  /** Registers a child module; its variables appear under `name.`. Returns the child. */
  protected addModule<M extends Module>(name: string, module: M): M {
    checkName('Module', name);
    if (this.ownParameters.has(name) || this.ownBuffers.has(name) || this.children.has(name)) {
      throw new Error(`Module already has a member named "${name}"`);
    }
    module.setTraining(this.isTraining);
    this.children.set(name, module);
    return module;
  }

  /** Every trainable variable in the tree by dotted name, own ones first, then children in order. */
  namedParameters(prefix = ''): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.collect(prefix, out, 'parameters');
    return out;
  }

  /** Every buffer in the tree by dotted name. */
  namedBuffers(prefix = ''): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.collect(prefix, out, 'buffers');
    return out;
  }

  private collect(prefix: string, out: Map<string, tf.Variable>, kind: 'parameters' | 'buffers'): void {
    const own = kind === 'parameters' ? this.ownParameters : this.ownBuffers;
    for (const [name, v] of own) out.set(prefix + name, v);
    for (const [name, child] of this.children) child.collect(`${prefix}${name}.`, out, kind);
  }

  /** True once {@link dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees every variable in the tree. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.ownParameters.values()) v.dispose();
    for (const v of this.ownBuffers.values()) v.dispose();
    for (const child of this.children.values()) child.dispose();
  }
}

/**
 * An ordered list of child modules named `0`, `1`, … (PyTorch's `nn.ModuleList` / `nn.Sequential`
 * naming), e.g. the transformer blocks `h.0`, `h.1`.
 */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  /** Builds the list from modules, registered as `0`, `1`, … in order. */
  constructor(modules: M[] = []) {
    super();
    for (const m of modules) this.push(m);
  }

  /** Appends a module under the next index and returns it. */
  push(module: M): M {
    this.addModule(String(this.items.length), module);
    this.items.push(module);
    return module;
  }

  /** The module at index `i`. */
  at(i: number): M {
    const m = this.items[i];
    if (m === undefined) throw new RangeError(`ModuleList index ${i} out of range [0, ${this.items.length})`);
    return m;
  }

  /** Number of modules. */
  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
