/**
 * Fine-tuning in the demo: a new run that starts from the model the page holds (an imported GPT-2, a
 * weights-only checkpoint, a saved or trained model), on a dataset here, with a fresh optimizer and
 * schedule. What the weights fix (the model's shape, the tokenizer) the worker takes from them with
 * @makemore/run's `specForInit`; this file only picks the form's starting values and words.
 *
 * The starting values follow nanoGPT's `config/finetune_shakespeare.py` for models of GPT-2's size: AdamW
 * at a constant 3e-5 (no decay of the rate), 20 steps of 32 sequences (1 × 32 accumulated), an evaluation
 * every 5 steps over 40 batches, with `train.py`'s betas (0.9, 0.95), weight decay 0.1 and gradient clip
 * 1.0. A small model (a lecture MLP, a makemore transformer) keeps the form's own optimizer and loop: 3e-5
 * would barely move it.
 */
import type { ModelConfig } from '@makemore/models';
import type { RunSpecInput } from '@makemore/run/spec';
import { BUILTIN_DATASETS } from '../presets';

/** Models with at least this many parameters start from nanoGPT's fine-tuning settings. */
export const LARGE_MODEL_PARAMS = 10_000_000;

/** nanoGPT's `config/finetune_shakespeare.py` on top of `train.py`'s defaults, as run-spec sections. */
export const NANOGPT_FINETUNE = {
  optimizer: { type: 'adamw', lr: 3e-5, betas: [0.9, 0.95], weightDecay: 0.1 },
  schedule: { type: 'constant' },
  training: { steps: 20, batchSize: 1, gradAccum: 32, gradClip: 1 },
  eval: { every: 5, iters: 40 },
} as const satisfies RunSpecInput;

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
export function fineTuneDefaults(form: RunSpecInput, model: FineTuneModel): RunSpecInput {
  const { model: _shape, recipe: _recipe, initFrom: _from, data: _data, ...rest } = form;
  const own = (BUILTIN_DATASETS as readonly string[]).includes(model.datasetName);
  const dataset = own ? model.datasetName : model.isWords ? 'names' : 'shakespeare';
  const base: RunSpecInput = { ...rest, data: { dataset } };
  if (model.numParams < LARGE_MODEL_PARAMS) return base;
  return {
    ...base,
    optimizer: structuredClone(NANOGPT_FINETUNE.optimizer) as RunSpecInput['optimizer'],
    schedule: { ...NANOGPT_FINETUNE.schedule },
    training: { ...rest.training, ...NANOGPT_FINETUNE.training },
    eval: { ...rest.eval, ...NANOGPT_FINETUNE.eval },
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
