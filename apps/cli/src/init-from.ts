/**
 * `makemore train --init-from <dir>`: a new run that starts from the weights of a checkpoint folder (one
 * that `makemore train`, `import nanogpt` or `import hf-gpt2` wrote) instead of a fresh initialisation.
 * This file only finds and opens the checkpoint; what the weights fix in the spec (the model, the
 * tokenizer) and how they are loaded is @makemore/run's (`specForInit`, `prepareRun`'s `init`).
 *
 * The folder's `best/` checkpoint is taken when there is one (the lowest validation loss, as nanoGPT keeps
 * its `ckpt.pt`), else `last/`; `<dir>/last` or `<dir>/best` picks one. The spec records the exact folder.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { InitSource } from '@makemore/run';
import type { CheckpointConfig } from '@makemore/trainer/node';
import { openCheckpoint } from './checkpoint';
import { CliError, oneLine } from './errors';
import { tokenizerFromSaved } from './session';

/** A checkpoint named by `--init-from`, its config read (no tensors yet). */
export interface InitCheckpoint {
  /** The run folder. */
  dir: string;
  slot: 'best' | 'last';
  /** `<dir>/<slot>`: what the spec records as `initFrom`. */
  label: string;
  config: CheckpointConfig;
}

/** Finds the checkpoint `value` names and reads its config.json. */
export async function readInitCheckpoint(value: string, cwd: string): Promise<InitCheckpoint> {
  let dir = resolve(cwd, value);
  let asked: 'best' | 'last' | undefined;
  const tail = basename(dir);
  if ((tail === 'best' || tail === 'last') && existsSync(join(dir, 'config.json'))) {
    asked = tail;
    dir = dirname(dir);
  }
  if (!existsSync(dir)) throw new CliError(`--init-from: checkpoint folder not found: ${dir}`);
  if (!statSync(dir).isDirectory())
    throw new CliError(`--init-from: ${dir} is a file; pass the folder that makemore train or import wrote`);
  const { Checkpointer } = await import('@makemore/trainer/node');
  const checkpointer = new Checkpointer(dir);
  const slots = asked ? [asked] : (['best', 'last'] as const);
  let slot: 'best' | 'last' | undefined;
  for (const s of slots) {
    if (await checkpointer.has(s)) {
      slot = s;
      break;
    }
  }
  if (!slot) {
    throw new CliError(
      `--init-from: ${dir} holds no checkpoint (no best/ or last/ folder); point it at a folder that makemore train or makemore import wrote`,
    );
  }
  let config: CheckpointConfig;
  try {
    config = await checkpointer.readConfig(slot);
  } catch (error) {
    throw new CliError(`--init-from: corrupt checkpoint in ${join(dir, slot)}: ${oneLine(error)}`, {
      cause: error,
    });
  }
  if (config.model?.type === 'bigram') {
    throw new CliError(
      `--init-from: ${join(dir, slot)} holds a bigram count table, which is counted, not trained; start from a network's checkpoint`,
    );
  }
  return { dir, slot, label: join(dir, slot), config };
}

/**
 * Loads the weights and the tokenizer of `checkpoint` on the active backend, for `prepareRun`'s `init`.
 * `dispose()` frees the checkpoint's tensors once the run's model has copied them.
 */
export async function loadInitSource(
  checkpoint: InitCheckpoint,
): Promise<{ source: InitSource; step: number; dispose(): void }> {
  const snapshot = await openCheckpoint(checkpoint.dir, checkpoint.slot);
  const { dispose } = await import('@tensorflow/tfjs-core');
  const free = () =>
    dispose([...Object.values(snapshot.weights), ...Object.values(snapshot.optimizer?.tensors ?? {})]);
  try {
    const tokenizer = await tokenizerFromSaved(snapshot.tokenizer, join(checkpoint.label, 'config.json'));
    return {
      source: { from: checkpoint.label, model: snapshot.model, tokenizer, weights: snapshot.weights },
      step: snapshot.step,
      dispose: free,
    };
  } catch (error) {
    free();
    throw error;
  }
}
