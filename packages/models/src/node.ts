/**
 * @makemore/models/node: saving and loading models as a folder, in Node.
 *
 *   <dir>/config.json        { "model": <ModelConfig>, "tokenizer"?: <tokenizer JSON>, ...metadata }
 *   <dir>/model.safetensors  the state dict under makemore.py / nanoGPT names (F32; BigramCounts: I64 counts)
 *
 * The same two files load in PyTorch (`safetensors.torch.load_file`) and back here. Saving is atomic:
 * both files are written to a temporary sibling folder that is then renamed into place, so a crash
 * never leaves a half-written model.
 */
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BigramCounts } from './bigram-counts';
import { createModel } from './create-model';
import { parseSafetensors, serializeSafetensors, tensorsFromSafetensors } from './safetensors';
import type { LanguageModel, ModelConfig } from './types';

/** File names inside a model folder. */
export const CONFIG_FILE = 'config.json';
/** File names inside a model folder. */
export const WEIGHTS_FILE = 'model.safetensors';

/** Options for {@link saveModel}. */
export interface SaveModelOptions {
  /** Extra top-level fields for config.json (not `model` or `tokenizer`), e.g. training step, loss. */
  metadata?: Record<string, unknown>;
  /** The tokenizer, stored under `tokenizer` (anything JSON-serialisable, e.g. an object with toJSON()). */
  tokenizer?: unknown;
}

/** What {@link loadModel} returns. */
export interface LoadedModel {
  model: LanguageModel | BigramCounts;
  /** The model config from config.json. */
  config: ModelConfig;
  /** The tokenizer JSON, when config.json has one (rebuild it with @makemore/tokenizers). */
  tokenizer?: unknown;
  /** The other top-level fields of config.json. */
  metadata: Record<string, unknown>;
}

/** Writes `config.json` and `model.safetensors` into `dir` (created with its parents, or replaced atomically). */
export async function saveModel(
  model: LanguageModel | BigramCounts,
  dir: string,
  options: SaveModelOptions = {},
): Promise<void> {
  const metadata = options.metadata ?? {};
  for (const reserved of ['model', 'tokenizer']) {
    if (reserved in metadata)
      throw new Error(`saveModel: metadata must not contain the reserved key "${reserved}"`);
  }
  const config = {
    model: model.config,
    ...(options.tokenizer !== undefined ? { tokenizer: options.tokenizer } : {}),
    ...metadata,
  };
  const configText = `${JSON.stringify(config, null, 2)}\n`;
  const weights =
    model instanceof BigramCounts
      ? serializeSafetensors(
          { counts: { dtype: 'I64', shape: [model.vocabSize, model.vocabSize], data: model.counts } },
          { format: 'pt' },
        )
      : serializeSafetensors(model.stateDict(), { format: 'pt' });

  const target = resolve(dir);
  await mkdir(dirname(target), { recursive: true });
  const tmp = await mkdtemp(join(dirname(target), `.${basename(target)}.tmp-`));
  try {
    await writeFile(join(tmp, CONFIG_FILE), configText);
    await writeFile(join(tmp, WEIGHTS_FILE), weights);
    const existing = await stat(target).catch(() => null);
    if (existing && !existing.isDirectory()) {
      throw new Error(`saveModel: ${target} exists and is not a directory`);
    }
    if (existing) {
      const old = `${tmp}-old`;
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Reads a folder written by {@link saveModel} (or by PyTorch with the same names) and builds the model.
 * Errors name the file and the problem.
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const configPath = join(dir, CONFIG_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    throw new Error(`loadModel: cannot read ${configPath}: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`loadModel: ${configPath} must hold a JSON object`);
  }
  const { model: modelConfig, tokenizer, ...metadata } = raw as Record<string, unknown>;
  if (
    typeof modelConfig !== 'object' ||
    modelConfig === null ||
    typeof (modelConfig as ModelConfig).type !== 'string'
  ) {
    throw new Error(`loadModel: ${configPath} has no "model" object with a "type" (the model config)`);
  }
  const config = modelConfig as ModelConfig;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(weightsPath);
  } catch (e) {
    throw new Error(`loadModel: cannot read ${weightsPath}: ${(e as Error).message}`);
  }
  let model: LanguageModel | BigramCounts;
  try {
    model = createModel(config);
  } catch (e) {
    throw new Error(`loadModel: the model config in ${configPath} is invalid: ${(e as Error).message}`);
  }
  try {
    const parsed = parseSafetensors(bytes);
    if (model instanceof BigramCounts) {
      const counts = parsed.tensors.counts;
      if (!counts) throw new Error('missing tensor "counts"');
      model.setCounts(counts.data);
    } else {
      const tensors = tensorsFromSafetensors(parsed);
      try {
        model.loadStateDict(tensors);
      } finally {
        tf.dispose(Object.values(tensors));
      }
    }
  } catch (e) {
    if (!(model instanceof BigramCounts)) model.dispose();
    throw new Error(`loadModel: ${weightsPath}: ${(e as Error).message}`);
  }
  return { model, config, ...(tokenizer !== undefined ? { tokenizer } : {}), metadata };
}
