/**
 * Checkpointer: training snapshots in a directory, one folder per slot.
 *
 *   <dir>/best/ and <dir>/last/, each holding
 *     config.json           { model, tokenizer?, dataset, trainer, step, bestDevLoss, rngState, modelRngState?, versions,
 *                             optimizer: { config, step }, format, formatVersion }
 *     model.safetensors     the model's state dict (the layout `loadModel` of @makemore/models reads)
 *     optimizer.safetensors the optimizer's buffers (exp_avg.<param>, exp_avg_sq.<param>, momentum_buffer.<param>)
 *
 * A slot is written into a temporary sibling folder and renamed into place, so a crash never leaves a
 * half-written checkpoint. Replacing an existing slot takes two renames (old aside, new in); if the process
 * dies between them the previous checkpoint survives as `.<slot>.old`, and {@link Checkpointer.load} uses it.
 *
 * Durability: each file is fsync'ed, then the temporary folder, before the rename; the checkpoint
 * directory is fsync'ed after it, so a save that returned survives a power cut, not only a crash.
 * Integrity: config.json records the sha256 and size of every tensor file (`files`), and loading checks
 * them, so a flipped bit, a truncated copy or a file from another run is reported by name. A folder whose
 * config.json has no `files` entry (hand-made, or from PyTorch) loads unchecked.
 * Leftovers: a `.<slot>.tmp-*` folder is what a process killed mid-save leaves; {@link Checkpointer.cleanStale}
 * removes them (the first save of every Checkpointer does it).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  NonFiniteTensorError,
  parseSafetensors,
  serializeSafetensors,
  tensorsFromSafetensors,
} from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { CheckpointSink, CheckpointSlot, TrainingSnapshot } from '../checkpoint';
import type { OptimizerConfig } from '../optim/optimizer';

/** The file names inside a checkpoint slot. */
export const CHECKPOINT_FILES = {
  config: 'config.json',
  model: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
} as const;

/** Written into config.json so that readers can tell a training checkpoint from a bare model folder. */
export const CHECKPOINT_FORMAT = 'makemore-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;

/** The digest and size of one file of a slot, as config.json records it. */
export interface CheckpointFileRecord {
  /** Lowercase hex sha256 of the file's bytes. */
  sha256: string;
  bytes: number;
}

/** config.json of a checkpoint slot: the snapshot without its tensors. */
export type CheckpointConfig = Omit<TrainingSnapshot, 'weights' | 'optimizer'> & {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  optimizer: { config: OptimizerConfig; step: number };
  /** sha256 and size of each tensor file, checked on load (absent in folders not written by a Checkpointer). */
  files?: Record<string, CheckpointFileRecord>;
};

/** Options for {@link Checkpointer}. */
export interface CheckpointerOptions {
  /**
   * fsync every file and folder of a save before it counts (default true). Off, a save survives a crash
   * of the process but maybe not a power cut; the benchmark uses it to measure what fsync costs.
   */
  durable?: boolean;
}

/** Where {@link Checkpointer.load} found a slot. */
export interface LoadedSlot {
  /** The slot asked for. */
  slot: CheckpointSlot;
  /** The folder read: `<dir>/<slot>`, or `<dir>/.<slot>.old` after a crash between the two renames of a save. */
  folder: string;
}

/** An error about a checkpoint on disk; the message names the file and what is wrong. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** Saves and loads training snapshots under one directory. Pass it to `train({ checkpoint })`. */
export class Checkpointer implements CheckpointSink {
  /** The checkpoint directory, absolute. */
  readonly dir: string;
  /** Where the last successful {@link Checkpointer.load} read from. */
  loaded: LoadedSlot | null = null;
  private readonly durable: boolean;
  private cleaned = false;

  constructor(dir: string, options: CheckpointerOptions = {}) {
    this.dir = resolve(dir);
    this.durable = options.durable ?? true;
  }

  /**
   * Removes what a process killed during a save leaves behind: `.<slot>.tmp-*` folders, and `.<slot>.old`
   * when `<slot>/` exists (without it, `.old` is the slot's only copy and stays). Call it only while no
   * other process saves into the same directory (hold the run-folder lock). Returns the names removed.
   */
  async cleanStale(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const removed: string[] = [];
    for (const name of names) {
      const temp = /^\.(best|last)\.tmp-/.test(name);
      const old = /^\.(best|last)\.old$/.exec(name);
      if (temp || (old && (await isDirectory(join(this.dir, old[1]!))))) {
        await rm(join(this.dir, name), { recursive: true, force: true });
        removed.push(name);
      }
    }
    return removed;
  }

  /** The folder of a slot. */
  path(slot: CheckpointSlot): string {
    return join(this.dir, slot);
  }

  /** Writes `snapshot` to `<dir>/<slot>/`, atomically replacing what was there. */
  async save(snapshot: TrainingSnapshot, slot: CheckpointSlot): Promise<void> {
    const target = this.path(slot);
    const old = join(this.dir, `.${slot}.old`);
    let tmp: string | null = null;
    try {
      await mkdir(this.dir, { recursive: true });
      if (!this.cleaned) {
        await this.cleanStale();
        this.cleaned = true;
      }
      const { weights, optimizer, ...json } = snapshot;
      const meta = { format: 'pt', step: String(snapshot.step) };
      const tensorFiles: Record<string, Uint8Array> = {
        [CHECKPOINT_FILES.model]: serializeSafetensors(weights, meta),
        [CHECKPOINT_FILES.optimizer]: serializeSafetensors(optimizer.tensors, meta),
      };
      const files: Record<string, CheckpointFileRecord> = {};
      for (const [name, bytes] of Object.entries(tensorFiles)) {
        files[name] = { sha256: sha256(bytes), bytes: bytes.byteLength };
      }
      const config: CheckpointConfig = {
        format: CHECKPOINT_FORMAT,
        formatVersion: CHECKPOINT_FORMAT_VERSION,
        ...json,
        optimizer: { config: optimizer.config, step: optimizer.step },
        files,
      };
      tmp = await mkdtemp(join(this.dir, `.${slot}.tmp-`));
      for (const [name, bytes] of Object.entries(tensorFiles)) await this.writeFile(join(tmp, name), bytes);
      // config.json last: a folder whose config.json is complete has complete tensor files.
      await this.writeFile(join(tmp, CHECKPOINT_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
      await this.syncFolder(tmp);
      if (await isDirectory(target)) {
        await rm(old, { recursive: true, force: true });
        await rename(target, old);
      }
      await rename(tmp, target);
      await this.syncFolder(this.dir);
      await rm(old, { recursive: true, force: true });
    } catch (error) {
      if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw new CheckpointError(
        `cannot save the '${slot}' checkpoint in ${this.dir}: ${(error as Error).message}; the previous '${slot}' checkpoint (if any) is kept`,
      );
    }
  }

  /** Writes a file and, when durable, fsyncs it before closing. */
  private async writeFile(path: string, data: Uint8Array | string): Promise<void> {
    const handle = await open(path, 'w');
    try {
      await handle.writeFile(data);
      if (this.durable) await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** fsyncs a folder, so the names created or renamed in it are on disk. */
  private async syncFolder(path: string): Promise<void> {
    if (!this.durable) return;
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** True when the slot holds a checkpoint. */
  async has(slot: CheckpointSlot): Promise<boolean> {
    return (await this.existingFolder(slot)) !== null;
  }

  /** Reads config.json of a slot without loading any tensors. */
  async readConfig(slot: CheckpointSlot = 'last'): Promise<CheckpointConfig> {
    const folder = await this.requireFolder(slot);
    return readConfigFile(join(folder, CHECKPOINT_FILES.config));
  }

  /**
   * Loads a slot as a snapshot ready for `train({ resume })`. The caller owns (and disposes) its tensors.
   * Throws a {@link CheckpointError} naming the file when something is missing or corrupt.
   */
  async load(slot: CheckpointSlot = 'last'): Promise<TrainingSnapshot> {
    const folder = await this.requireFolder(slot);
    const configPath = join(folder, CHECKPOINT_FILES.config);
    const config = await readConfigFile(configPath);
    const files = config.files ?? {};
    const weights = await readTensors(join(folder, CHECKPOINT_FILES.model), files, configPath);
    let optimizerTensors: Record<string, Tensor>;
    try {
      optimizerTensors = await readTensors(join(folder, CHECKPOINT_FILES.optimizer), files, configPath);
    } catch (error) {
      tf.dispose(Object.values(weights));
      throw error;
    }
    const { format: _f, formatVersion: _v, files: _files, optimizer, ...rest } = config;
    this.loaded = { slot, folder };
    return { ...rest, weights, optimizer: { ...optimizer, tensors: optimizerTensors } };
  }

  private async existingFolder(slot: CheckpointSlot): Promise<string | null> {
    for (const folder of [this.path(slot), join(this.dir, `.${slot}.old`)]) {
      if (await isDirectory(folder)) return folder;
    }
    return null;
  }

  private async requireFolder(slot: CheckpointSlot): Promise<string> {
    const folder = await this.existingFolder(slot);
    if (!folder) {
      throw new CheckpointError(
        `no '${slot}' checkpoint in ${this.dir}: expected a folder ${this.path(slot)} with ${Object.values(CHECKPOINT_FILES).join(', ')}`,
      );
    }
    return folder;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  const s = await stat(path).catch(() => null);
  return s?.isDirectory() ?? false;
}

async function readConfigFile(path: string): Promise<CheckpointConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CheckpointError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const c = raw as Partial<CheckpointConfig> | null;
  const problems: string[] = [];
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    throw new CheckpointError(`${path} must hold a JSON object`);
  if (c.format !== CHECKPOINT_FORMAT)
    problems.push(`"format" must be "${CHECKPOINT_FORMAT}" (a model-only folder cannot resume training)`);
  if (typeof c.model?.type !== 'string') problems.push('"model" must be a model config with a "type"');
  if (!Number.isInteger(c.step) || (c.step as number) < 0) problems.push('"step" must be an integer >= 0');
  if (!Array.isArray(c.rngState) || c.rngState.length !== 4)
    problems.push('"rngState" must be four uint32 words');
  if (typeof c.optimizer?.config?.type !== 'string' || !Number.isInteger(c.optimizer?.step)) {
    problems.push('"optimizer" must be { config: { type, lr, ... }, step }');
  }
  if (typeof c.trainer !== 'object' || c.trainer === null) problems.push('"trainer" must be an object');
  if (problems.length > 0)
    throw new CheckpointError(`${path} is not a usable checkpoint:\n  - ${problems.join('\n  - ')}`);
  return c as CheckpointConfig;
}

/** Lowercase hex sha256 of some bytes. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readTensors(
  path: string,
  files: Record<string, CheckpointFileRecord>,
  configPath: string,
): Promise<Record<string, Tensor>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CheckpointError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const name = basename(path);
  const recorded = files[name];
  if (recorded) {
    const digest = sha256(bytes);
    if (digest !== recorded.sha256) {
      const size =
        bytes.byteLength === recorded.bytes
          ? 'same size, different content'
          : `${bytes.byteLength} bytes, ${recorded.bytes} recorded`;
      throw new CheckpointError(
        `${path} does not match the sha256 recorded in ${configPath} (${size}): it was changed, cut short or copied from another run. ` +
          `If you replaced it on purpose, delete its entry under "files" in ${configPath} to load it unchecked`,
      );
    }
  }
  try {
    // A plain Uint8Array copy: a Node Buffer's slice() shares memory, which parseSafetensors does not expect.
    return tensorsFromSafetensors(parseSafetensors(new Uint8Array(bytes)));
  } catch (error) {
    if (error instanceof NonFiniteTensorError) {
      throw new CheckpointError(
        `${path} holds non-finite weights: tensor "${error.tensor}" is ${error.value} at element ${error.index} (the run diverged before this save, or the file is damaged); use an earlier checkpoint`,
      );
    }
    throw new CheckpointError(`${path} is corrupt: ${(error as Error).message}`);
  }
}
