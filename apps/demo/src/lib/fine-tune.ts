/**
 * Fine-tuning in the demo: a new run that starts from the model the page holds (an imported GPT-2, a
 * weights-only checkpoint, a saved or trained model), on a dataset here, with a fresh optimizer and
 * schedule. What the weights fix (the model's shape, the tokenizer) the worker takes from them with
 * @makemore/run's `specForInit`; this file only picks the form's starting values and words.
 *
 * The starting values for the loop and optimizer are @makemore/run's `fineTuneDefaults`, the ones
 * `makemore train --init-from` uses: nanoGPT's `config/finetune_shakespeare.py` for a model of 10 M
 * parameters or more (AdamW at a constant 3e-5, 20 steps of 1 × 32 windows, an evaluation every 5 steps on
 * 40 batches), and the form's own sections for a smaller one (3e-5 would barely move it).
 */
import type { ModelConfig } from '@makemore/models';
import { fineTuneDefaults, type RunSpecInput } from '@makemore/run/spec';
import { BUILTIN_DATASETS } from '../presets';

/** What the form's starting values depend on: the model's size and the data it learned. */
export interface FineTuneModel {
  numParams: number;
  datasetName: string;
  isWords: boolean;
}

/**
 * The partial spec the fine-tune form starts from, before the worker adds the weights' model and
 * tokenizer: the model's own dataset when it is a built-in one (else shakespeare for text, names for word
 * lists), nanoGPT's fine-tuning settings for a large model, and the form's own sections for a small one.
 */
export function fineTuneForm(form: RunSpecInput, model: FineTuneModel): RunSpecInput {
  const { model: _shape, recipe: _recipe, initFrom: _from, data: _data, ...rest } = form;
  const own = (BUILTIN_DATASETS as readonly string[]).includes(model.datasetName);
  const dataset = own ? model.datasetName : model.isWords ? 'names' : 'shakespeare';
  const base: RunSpecInput = { ...rest, data: { dataset } };
  const tuned = fineTuneDefaults(model.numParams);
  if (!tuned.optimizer) return base;
  return {
    ...base,
    optimizer: tuned.optimizer,
    ...(tuned.schedule ? { schedule: tuned.schedule } : {}),
    training: { ...rest.training, ...tuned.training },
    eval: { ...rest.eval, ...tuned.eval },
  };
}

const count = (n: number) => n.toLocaleString('en');
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/**
 * A model config in a few words: "transformer, 12 layers × 768 wide, 12 heads, block 1,024, vocab 50,257".
 */
export function describeModel(config: ModelConfig): string {
  const c = config as unknown as Record<string, unknown>;
  const n = (field: string) => (typeof c[field] === 'number' ? (c[field] as number) : null);
  const parts: string[] = [];
  const layers = n('nLayer');
  const width = n('nEmbd');
  if (layers !== null && width !== null) parts.push(`${plural(layers, 'layer')} × ${count(width)} wide`);
  else if (width !== null) parts.push(`embeddings ${count(width)} wide`);
  const heads = n('nHead');
  if (heads !== null) parts.push(plural(heads, 'head'));
  const hidden = n('nHidden');
  if (hidden !== null) parts.push(`${count(hidden)} hidden units`);
  const state = n('nEmbd2');
  if (state !== null) parts.push(`hidden state ${count(state)}`);
  const block = n('blockSize');
  if (block !== null) parts.push(`block ${count(block)}`);
  const vocab = n('vocabSize');
  if (vocab !== null) parts.push(`vocab ${count(vocab)}`);
  return [config.type, ...parts].join(', ');
}
