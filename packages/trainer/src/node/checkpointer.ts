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
  type CheckpointFileRecord,
} from '../checkpoint-codec';

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
      // The codec gives the three files, with the tensor files' sha256 recorded in config.json.
      const encoded = encodeCheckpoint(snapshot, { digest: sha256 });
      tmp = await mkdtemp(join(this.dir, `.${slot}.tmp-`));
      for (const [name, bytes] of Object.entries(encoded)) {
        if (name !== CHECKPOINT_FILES.config) await this.writeFile(join(tmp, name), bytes);
      }
      // config.json last: a folder whose config.json is complete has complete tensor files.
      await this.writeFile(
        join(tmp, CHECKPOINT_FILES.config),
        encoded[CHECKPOINT_FILES.config] as Uint8Array,
      );
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
    // config.json first: a broken one is named as such before a missing tensor file is.
    await readConfigFile(join(folder, CHECKPOINT_FILES.config));
    const files: CheckpointFileSet = {};
    for (const name of Object.values(CHECKPOINT_FILES)) {
      const path = join(folder, name);
      try {
        // A plain Uint8Array copy: a Node Buffer's slice() shares memory, which the safetensors parser does not expect.
        files[name] = new Uint8Array(await readFile(path));
      } catch (error) {
        throw new CheckpointError(`cannot read ${path}: ${(error as Error).message}`);
      }
    }
    const snapshot = decodeCheckpoint(files, folder, { digest: sha256 });
    this.loaded = { slot, folder };
    return snapshot;
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

/** Lowercase hex sha256 of some bytes. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
