/**
 * The checkpoint codec: a training snapshot as three named files, and back, with no file system involved.
 *
 *   config.json            the snapshot without its tensors, plus `format` and `formatVersion`
 *   model.safetensors      the model's state dict, under makemore.py / nanoGPT parameter names
 *   optimizer.safetensors  the optimizer's buffers (exp_avg.<param>, exp_avg_sq.<param>, momentum_buffer.<param>)
 *
 * Every place that moves checkpoints uses it: the Node `Checkpointer` writes these bytes to a folder, and
 * the demo stores them in IndexedDB and exports and imports them as files. So a model exported from the
 * browser resumes in the CLI, and the reverse, because both read and write the very same bytes.
 */
import {
  NonFiniteTensorError,
  parseSafetensors,
  serializeSafetensors,
  tensorsFromSafetensors,
} from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { TrainingSnapshot } from './checkpoint';
import type { OptimizerConfig } from './optim/optimizer';

/** The file names of an encoded checkpoint. */
export const CHECKPOINT_FILES = {
  config: 'config.json',
  model: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
} as const;

/** Written into config.json so that readers can tell a training checkpoint from a bare model folder. */
export const CHECKPOINT_FORMAT = 'makemore-checkpoint';
/** The config.json layout version. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** The digest and size of one file of a checkpoint, as config.json records it. */
export interface CheckpointFileRecord {
  /** Lowercase hex sha256 of the file's bytes. */
  sha256: string;
  bytes: number;
}

/** config.json of a checkpoint: the snapshot without its tensors. */
export type CheckpointConfig = Omit<TrainingSnapshot, 'weights' | 'optimizer'> & {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  optimizer: { config: OptimizerConfig; step: number };
  /** sha256 and size of each tensor file, checked on load (absent in folders not written with a digest). */
  files?: Record<string, CheckpointFileRecord>;
};

/** Options for {@link encodeCheckpoint} and {@link decodeCheckpoint}. */
export interface CheckpointCodecOptions {
  /**
   * A synchronous sha256 (lowercase hex). Given to encode, config.json records each tensor file's digest;
   * given to decode, recorded digests are checked. The Node Checkpointer passes node:crypto's.
   */
  digest?: (bytes: Uint8Array) => string;
}

/** An encoded checkpoint: file name → bytes. */
export type CheckpointFileSet = Record<string, Uint8Array>;

/** An error about an encoded checkpoint; the message names the file and what is wrong. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/**
 * Encodes `snapshot` as `{ 'config.json', 'model.safetensors', 'optimizer.safetensors' }`. The tensors are
 * read synchronously, so the snapshot may be disposed as soon as this returns.
 */
export function encodeCheckpoint(
  snapshot: TrainingSnapshot,
  options: CheckpointCodecOptions = {},
): CheckpointFileSet {
  const { weights, optimizer, ...json } = snapshot;
  const meta = { format: 'pt', step: String(snapshot.step) };
  const tensorFiles: CheckpointFileSet = {
    [CHECKPOINT_FILES.model]: serializeSafetensors(weights, meta),
    [CHECKPOINT_FILES.optimizer]: serializeSafetensors(optimizer.tensors, meta),
  };
  const digest = options.digest;
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    ...json,
    optimizer: { config: optimizer.config, step: optimizer.step },
    ...(digest
      ? {
          files: Object.fromEntries(
            Object.entries(tensorFiles).map(([name, bytes]) => [
              name,
              { sha256: digest(bytes), bytes: bytes.byteLength },
            ]),
          ),
        }
      : {}),
  };
  return {
    [CHECKPOINT_FILES.config]: new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`),
    ...tensorFiles,
  };
}

/**
 * Decodes what {@link encodeCheckpoint} wrote. `where` prefixes file names in error messages (a folder
 * path, an upload's name). The caller owns, and disposes, the returned tensors.
 */
export function decodeCheckpoint(
  files: CheckpointFileSet,
  where = '',
  options: CheckpointCodecOptions = {},
): TrainingSnapshot {
  const name = (file: string) => (where ? `${where.replace(/\/+$/, '')}/${file}` : file);
  const configBytes = files[CHECKPOINT_FILES.config];
  if (!configBytes) throw new CheckpointError(`${name(CHECKPOINT_FILES.config)} is missing`);
  const configPath = name(CHECKPOINT_FILES.config);
  const config = parseCheckpointConfig(new TextDecoder().decode(configBytes), configPath);
  if (options.digest && config.files) {
    for (const file of [CHECKPOINT_FILES.model, CHECKPOINT_FILES.optimizer]) {
      const bytes = files[file];
      const recorded = config.files[file];
      if (!bytes || !recorded) continue;
      if (options.digest(bytes) !== recorded.sha256) {
        const size =
          bytes.byteLength === recorded.bytes
            ? 'same size, different content'
            : `${bytes.byteLength} bytes, ${recorded.bytes} recorded`;
        throw new CheckpointError(
          `${name(file)} does not match the sha256 recorded in ${configPath} (${size}): it was changed, cut short or copied from another run. ` +
            `If you replaced it on purpose, delete its entry under "files" in ${configPath} to load it unchecked`,
        );
      }
    }
  }
  const weights = decodeTensors(files, CHECKPOINT_FILES.model, name);
  let optimizerTensors: Record<string, Tensor>;
  try {
    optimizerTensors = decodeTensors(files, CHECKPOINT_FILES.optimizer, name);
  } catch (error) {
    tf.dispose(Object.values(weights));
    throw error;
  }
  const { format: _f, formatVersion: _v, files: _files, optimizer, ...rest } = config;
  return { ...rest, weights, optimizer: { ...optimizer, tensors: optimizerTensors } };
}

function decodeTensors(
  files: CheckpointFileSet,
  file: string,
  name: (file: string) => string,
): Record<string, Tensor> {
  const bytes = files[file];
  if (!bytes) throw new CheckpointError(`${name(file)} is missing`);
  try {
    return tensorsFromSafetensors(parseSafetensors(bytes));
  } catch (error) {
    if (error instanceof NonFiniteTensorError) {
      throw new CheckpointError(
        `${name(file)} holds non-finite weights: tensor "${error.tensor}" is ${error.value} at element ${error.index} (the run diverged before this save, or the file is damaged); use an earlier checkpoint`,
      );
    }
    throw new CheckpointError(`${name(file)} is corrupt: ${(error as Error).message}`);
  }
}

/**
 * Parses and checks a checkpoint's config.json text. Throws a {@link CheckpointError} that names `path`
 * and lists every problem.
 */
export function parseCheckpointConfig(text: string, path: string): CheckpointConfig {
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
