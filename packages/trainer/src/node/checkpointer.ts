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
import type { CheckpointSink, CheckpointSlot, TrainingSnapshot } from '../checkpoint';
import {
  CHECKPOINT_FILES,
  type CheckpointConfig,
  CheckpointError,
  type CheckpointFileSet,
  decodeCheckpoint,
  encodeCheckpoint,
  parseCheckpointConfig,
} from '../checkpoint-codec';

export {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointConfig,
  CheckpointError,
} from '../checkpoint-codec';

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
    const files = encodeCheckpoint(snapshot);
    const target = this.path(slot);
    const old = join(this.dir, `.${slot}.old`);
    const tmp = await mkdtemp(join(this.dir, `.${slot}.tmp-`));
    try {
      for (const [name, bytes] of Object.entries(files)) await writeFile(join(tmp, name), bytes);
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
    const files: CheckpointFileSet = {};
    // config.json first: a broken one is named as such before a missing tensor file is.
    await readConfigFile(join(folder, CHECKPOINT_FILES.config));
    for (const name of Object.values(CHECKPOINT_FILES)) {
      const path = join(folder, name);
      try {
        // A plain Uint8Array copy: a Node Buffer's slice() shares memory, which the safetensors parser does not expect.
        files[name] = new Uint8Array(await readFile(path));
      } catch (error) {
        throw new CheckpointError(`cannot read ${path}: ${(error as Error).message}`);
      }
    }
    return decodeCheckpoint(files, folder);
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
  return parseCheckpointConfig(text, path);
}
