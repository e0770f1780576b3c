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
 */
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseSafetensors, serializeSafetensors, tensorsFromSafetensors } from '@makemore/models';
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

/** config.json of a checkpoint slot: the snapshot without its tensors. */
export type CheckpointConfig = Omit<TrainingSnapshot, 'weights' | 'optimizer'> & {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  optimizer: { config: OptimizerConfig; step: number };
};

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

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** The folder of a slot. */
  path(slot: CheckpointSlot): string {
    return join(this.dir, slot);
  }

  /** Writes `snapshot` to `<dir>/<slot>/`, atomically replacing what was there. */
  async save(snapshot: TrainingSnapshot, slot: CheckpointSlot): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const { weights, optimizer, ...json } = snapshot;
    const config: CheckpointConfig = {
      format: CHECKPOINT_FORMAT,
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      ...json,
      optimizer: { config: optimizer.config, step: optimizer.step },
    };
    const meta = { format: 'pt', step: String(snapshot.step) };
    const modelBytes = serializeSafetensors(weights, meta);
    const optimizerBytes = serializeSafetensors(optimizer.tensors, meta);
    const target = this.path(slot);
    const old = join(this.dir, `.${slot}.old`);
    const tmp = await mkdtemp(join(this.dir, `.${slot}.tmp-`));
    try {
      await writeFile(join(tmp, CHECKPOINT_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
      await writeFile(join(tmp, CHECKPOINT_FILES.model), modelBytes);
      await writeFile(join(tmp, CHECKPOINT_FILES.optimizer), optimizerBytes);
      if (await isDirectory(target)) {
        await rm(old, { recursive: true, force: true });
        await rename(target, old);
      }
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      throw error;
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
    const config = await readConfigFile(join(folder, CHECKPOINT_FILES.config));
    const weights = await readTensors(join(folder, CHECKPOINT_FILES.model));
    let optimizerTensors: Record<string, Tensor>;
    try {
      optimizerTensors = await readTensors(join(folder, CHECKPOINT_FILES.optimizer));
    } catch (error) {
      tf.dispose(Object.values(weights));
      throw error;
    }
    const { format: _f, formatVersion: _v, optimizer, ...rest } = config;
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

async function readTensors(path: string): Promise<Record<string, Tensor>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CheckpointError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    // A plain Uint8Array copy: a Node Buffer's slice() shares memory, which parseSafetensors does not expect.
    return tensorsFromSafetensors(parseSafetensors(new Uint8Array(bytes)));
  } catch (error) {
    throw new CheckpointError(`${path} is corrupt: ${(error as Error).message}`);
  }
}
